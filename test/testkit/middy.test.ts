import middy from '@middy/core'
import { describe, expect, it } from 'vitest'
import { App } from '../../src/index.js'
import { events, FakeStreamer, invoke, invokeSettled } from '../../testkit/index.js'

// `invoke(middy(app.handler), ...)`: the App is hidden behind middy's wrapper, and the
// fake still stands in for its @connections client (no real SDK, no credentials).

const app = new App({ logLevel: 'silent' }).webSocket('$default', async (ctx) => {
  await ctx.asWebSocket().send('pong')
})

describe('invoke on a wrapped App', () => {
  it('wires the fake in behind middy', async () => {
    const seen: string[] = []
    const wrapped = middy(app.handler).use({
      before: async () => {
        seen.push('before')
      },
    })
    const fake = new FakeStreamer()
    const id = fake.connect()
    const { calls } = await invoke(wrapped, events.message({ connectionId: id, body: 'hi' }), { fake })
    expect(seen).toEqual(['before'])
    expect(calls.map((c) => [c.op, c.connectionId, c.data])).toEqual([['post', id, 'pong']])
  })

  it('and behind a hand-written async wrapper; strict-mode violations still surface', async () => {
    const wrapped = async (event: unknown, context: unknown) => app.handler(event, context as never)
    const fake = new FakeStreamer()
    const settled = await invokeSettled(wrapped, events.message({ body: 'x' }), { fake })
    // The event's connection was never opened on the strict fake: the post is a violation, not an SDK call.
    expect(settled.violations.length + settled.calls.length).toBeGreaterThan(0)
    expect(JSON.stringify(settled)).not.toMatch(/credential/i)
  })

  it('the scope ends with the invocation', async () => {
    const fake = new FakeStreamer()
    const id = fake.connect()
    await invoke(middy(app.handler), events.message({ connectionId: id, body: 'a' }), { fake })
    const { scopedStreamer } = await import('../../src/app/streamer-scope.js')
    expect(scopedStreamer()).toBeUndefined()
  })
})
