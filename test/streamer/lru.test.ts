import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStreamerClient } from '../../src/index.js'
import { defaultStreamerFactory } from '../../src/streamer/factory.js'
import { Lru, MAX_CACHED_CLIENTS } from '../../src/streamer/lru.js'
import { sharedClientCount } from '../../src/streamer/transport/sdk.js'
import { type Loopback, startLoopback, useDummyCredentials } from './aws-loopback.js'

// The streamer's client caches are bounded: a process that sees many endpoints keeps
// the most recently used ones, not one client per endpoint forever.

describe('Lru', () => {
  it('keeps at most max entries, forgetting the least recently used', () => {
    const lru = new Lru<string, number>(3)
    lru.set('a', 1)
    lru.set('b', 2)
    lru.set('c', 3)
    expect(lru.get('a')).toBe(1) // a is now the newest
    lru.set('d', 4)
    expect(lru.size).toBe(3)
    expect(lru.get('b')).toBeUndefined()
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4])
    lru.deleteIf('a', 99)
    expect(lru.get('a')).toBe(1)
    lru.deleteIf('a', 1)
    expect(lru.get('a')).toBeUndefined()
  })
})

describe('the default streamer factory', () => {
  it('reuses a client per endpoint, and keeps at most MAX_CACHED_CLIENTS of them', () => {
    const first = defaultStreamerFactory('https://aaaa0000.execute-api.us-east-1.amazonaws.com/prod', {
      region: 'us-east-1',
    })
    expect(
      defaultStreamerFactory('https://aaaa0000.execute-api.us-east-1.amazonaws.com/prod', {
        region: 'us-east-1',
      }),
    ).toBe(first)
    for (let i = 0; i < MAX_CACHED_CLIENTS; i++)
      defaultStreamerFactory(`https://api${i}.execute-api.us-east-1.amazonaws.com/prod`, {
        region: 'us-east-1',
      })
    expect(
      defaultStreamerFactory('https://aaaa0000.execute-api.us-east-1.amazonaws.com/prod', {
        region: 'us-east-1',
      }),
    ).not.toBe(first)
  })
})

describe('SDK clients behind distinct endpoints', () => {
  let server: Loopback
  beforeAll(async () => {
    useDummyCredentials()
    server = await startLoopback()
  })
  afterAll(() => server.close())

  it('400 distinct endpoints leave at most MAX_CACHED_CLIENTS SDK clients cached', async () => {
    for (let i = 0; i < 400; i++) {
      // Distinct stages of one loopback server: 400 endpoints as the issue measured.
      const endpoint = server.endpoint.replace(/\/[^/]*$/, `/s${i}`)
      await createStreamerClient({ endpoint, region: 'us-east-1', transport: 'sdk' })
        .postToConnection('R1kmxc2VNjMCFIA=', 'x')
        .catch(() => {})
    }
    expect(sharedClientCount()).toBeLessThanOrEqual(MAX_CACHED_CLIENTS)
    expect(sharedClientCount()).toBeGreaterThan(0)
  })
})
