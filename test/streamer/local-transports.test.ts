import { describe, expect, it } from 'vitest'
import { createStreamerClient, GoneError } from '../../src/index.js'
import { localTransportFor, registerLocalTransport } from '../../src/streamer/transport/local.js'
import type { Transport } from '../../src/streamer/transport/types.js'

// The in-process seam the local gateway uses: a registered transport serves the
// endpoints it matches, looked up per call, and nothing else.

function recordingTransport(log: string[]): Transport {
  return {
    post: async (id, data) => {
      log.push(`post ${id} ${Buffer.from(data).toString()}`)
    },
    get: async () => {
      throw new GoneError()
    },
    delete: async (id) => {
      log.push(`delete ${id}`)
    },
  }
}

describe('local transports', () => {
  it('a client uses the registered transport while it is registered, and the wire after', async () => {
    const log: string[] = []
    const endpoint = 'http://127.0.0.1:59999/dev'
    const client = createStreamerClient({
      endpoint,
      retry: false,
      attemptTimeoutMs: 200,
      // Credentials, so the wire attempt fails on the socket and not before it.
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    })
    const unregister = registerLocalTransport({
      matches: (url) => url.port === '59999' && url.pathname === '/dev',
      transport: recordingTransport(log),
    })
    await client.postToConnection('R1kmxc2VNjMCFIA=', { a: 1 })
    await expect(client.getConnection('R1kmxc2VNjMCFIA=')).rejects.toBeInstanceOf(GoneError)
    await client.deleteConnection('R1kmxc2VNjMCFIA=')
    expect(log).toEqual(['post R1kmxc2VNjMCFIA= {"a":1}', 'delete R1kmxc2VNjMCFIA='])
    unregister()
    expect(localTransportFor(endpoint)).toBeUndefined()
    // Now the real wire: nothing listens on that port, so a network error, not the recorder.
    await expect(client.postToConnection('R1kmxc2VNjMCFIA=', 'x')).rejects.toMatchObject({ retryable: true })
    expect(log).toHaveLength(2)
  })

  it('does not match other endpoints', () => {
    const unregister = registerLocalTransport({
      matches: (url) => url.port === '59998',
      transport: recordingTransport([]),
    })
    try {
      expect(localTransportFor('http://127.0.0.1:59998/dev')).toBeDefined()
      expect(localTransportFor('http://127.0.0.1:59997/dev')).toBeUndefined()
      expect(localTransportFor('https://abc.execute-api.us-east-1.amazonaws.com/prod')).toBeUndefined()
      expect(localTransportFor('not a url')).toBeUndefined()
    } finally {
      unregister()
    }
  })

  it("rebuilds another socketeer copy's typed errors as this copy's classes", async () => {
    // What a gateway loaded from dist throws at a handler that loaded socketeer from src or CJS.
    const foreign = (status: number, code: string) =>
      Object.assign(new Error(`foreign ${code}`), {
        name: 'ForeignError',
        status,
        code,
        retryable: status === 429,
      })
    let posts = 0
    const unregister = registerLocalTransport({
      matches: (url) => url.port === '59996',
      transport: {
        post: async () => {
          posts++
          throw posts === 1 ? foreign(429, 'LimitExceededException') : foreign(410, 'GoneException')
        },
        get: async () => {
          throw foreign(410, 'GoneException')
        },
        delete: async () => {
          throw foreign(410, 'GoneException')
        },
      },
    })
    try {
      const client = createStreamerClient({
        endpoint: 'http://127.0.0.1:59996/dev',
        retry: { baseDelayMs: 1 },
      })
      // 429 is retried (it is a ThrottledError here), then the 410 is a real GoneError.
      await expect(client.postToConnection('R1kmxc2VNjMCFIA=', 'x')).rejects.toBeInstanceOf(GoneError)
      expect(posts).toBe(2)
      // Gone counts as done for delete only when it is recognised as Gone.
      await expect(client.deleteConnection('R1kmxc2VNjMCFIA=')).resolves.toBeUndefined()
      const result = await client.broadcast(['R1kmxc2VNjMCFIA='], 'x')
      expect(result.gone).toEqual(['R1kmxc2VNjMCFIA='])
    } finally {
      unregister()
    }
  })
})
