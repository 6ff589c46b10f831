import {
  type AppOptions,
  GoneError,
  MemoryConnectionStore,
  type PostData,
  type StreamerClient,
} from 'socketeer'
import { events } from 'socketeer/testkit'
import { describe, expect, it, vi } from 'vitest'
import { createChatApp } from './app.js'

// The chat App as a user unit-tests it: testkit events in, and a recording
// @connections client (injected through the App's `streamer` option) to see what went out.

function recordingStreamer() {
  const sent: Array<{ to: string; data: any }> = []
  const gone = new Set<string>()
  const post = async (to: string, data: PostData) => {
    if (gone.has(to)) throw new GoneError('gone', { connectionId: to })
    sent.push({ to, data: typeof data === 'string' ? JSON.parse(data) : data })
  }
  const client: StreamerClient = {
    endpoint: 'memory',
    postToConnection: post,
    getConnection: () => Promise.reject(new Error('not used by the chat')),
    deleteConnection: async () => {},
    async broadcast(ids, data) {
      const result = { sent: [] as string[], gone: [] as string[], failed: [] }
      for await (const id of ids) {
        try {
          await post(id, data)
          result.sent.push(id)
        } catch (error) {
          if (!(error instanceof GoneError)) throw error
          result.gone.push(id)
        }
      }
      return result
    },
  }
  return { sent, gone, factory: () => client }
}

async function chat(options: AppOptions = {}) {
  const streamer = recordingStreamer()
  const app = createChatApp({ logLevel: 'silent', streamer: streamer.factory, ...options })
  const connect = async (connectionId: string, name?: string) =>
    app.handler(events.connect({ connectionId, query: name ? { name } : undefined }))
  const say = (connectionId: string, body: object) =>
    app.handler(events.message({ connectionId, routeKey: (body as any).action ?? '$default', body }))
  const notice = (text: unknown) =>
    app.handler(
      events.rest({
        method: 'POST',
        path: '/notice',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      }),
    )
  return { app, ...streamer, connect, say, notice }
}

const A = 'AAAAAAAAAAAAAAA='
const B = 'BBBBBBBBBBBBBBB='

describe('chat App (unit, testkit events)', () => {
  it('announces a join to the others only, never to the connecting client', async () => {
    const c = await chat()
    expect(await c.connect(A, 'alice')).toEqual({ statusCode: 200 })
    expect(c.sent).toEqual([])
    await c.connect(B, 'bob')
    expect(c.sent).toEqual([{ to: A, data: { type: 'presence', event: 'joined', name: 'bob', online: 2 } }])
  })

  it('broadcasts sendmessage to everyone with the sender name from ?name=', async () => {
    const c = await chat()
    await c.connect(A, 'alice')
    await c.connect(B)
    c.sent.length = 0
    await c.say(B, { action: 'sendmessage', message: 'hi' })
    expect(c.sent.map((s) => s.to).sort()).toEqual([A, B])
    expect(c.sent[0]!.data).toMatchObject({ type: 'message', from: 'guest-BBBB', text: 'hi' })
  })

  it('whoami returns its answer as the route-response body', async () => {
    const c = await chat()
    await c.connect(A, '  alice  ')
    const res = await c.say(A, { action: 'whoami' })
    expect(res.statusCode).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({ type: 'whoami', connectionId: A, name: 'alice', online: 1 })
  })

  it('answers an invalid message with an error frame to the sender only', async () => {
    const c = await chat()
    await c.connect(A, 'alice')
    await c.connect(B, 'bob')
    c.sent.length = 0
    await c.say(A, { action: 'sendmessage', message: 42 })
    expect(c.sent).toHaveLength(1)
    expect(c.sent[0]).toMatchObject({ to: A, data: { type: 'error' } })
  })

  it('POST /notice reaches everyone; a member found gone is dropped and its departure announced', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const c = await chat()
      await c.connect(A, 'alice')
      await c.connect(B, 'bob')
      // Past the registry's grace for a 410 during $connect (60 s), so the 410 means gone.
      vi.setSystemTime(Date.now() + 61_000)
      c.gone.add(B) // bob vanished without a $disconnect
      c.sent.length = 0
      const first = await c.notice('server restarts soon')
      expect(first.statusCode).toBe(200)
      expect(JSON.parse(first.body)).toEqual({ delivered: 1, gone: 1 })
      expect(c.sent.map((s) => s.data)).toEqual([
        expect.objectContaining({ type: 'notice', text: 'server restarts soon' }),
        { type: 'presence', event: 'left', name: 'bob', online: 1 },
      ])
      const second = await c.notice('again')
      expect(JSON.parse(second.body)).toEqual({ delivered: 1, gone: 0 })
      // bob's late $disconnect finds nobody left to announce.
      c.sent.length = 0
      await c.app.handler(events.disconnect({ connectionId: B }))
      expect(c.sent).toEqual([])
      expect((await c.notice('')).statusCode).toBe(400)
    } finally {
      vi.useRealTimers()
    }
  })

  it('announces everyone a broadcast finds gone in one frame, not one broadcast per departure', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const c = await chat()
      const ids = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, '0')}CCCCCCCCCCCCC=`)
      for (const [i, id] of ids.entries()) await c.connect(id, `c${i}`)
      vi.setSystemTime(Date.now() + 61_000)
      for (const id of ids.slice(0, 10)) c.gone.add(id) // ten vanished without a $disconnect
      c.sent.length = 0
      expect(JSON.parse((await c.notice('hi')).body)).toEqual({ delivered: 30, gone: 10 })
      // 30 notices, then 30 copies of one departure frame: not 30 × 10.
      expect(c.sent).toHaveLength(60)
      const left = c.sent.filter((s) => s.data.type === 'presence')
      expect(new Set(left.map((s) => s.to)).size).toBe(30)
      expect(left[0]!.data).toEqual({
        type: 'presence',
        event: 'left',
        name: Array.from({ length: 10 }, (_, i) => `c${i}`).join(', '),
        online: 30,
      })
    } finally {
      vi.useRealTimers()
    }
  })

  it('splits a large departure list over frames of 100 names (a frame is at most 128 KB)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const c = await chat()
      const ids = Array.from({ length: 255 }, (_, i) => `${String(i).padStart(3, '0')}CCCCCCCCCCCC=`)
      for (const [i, id] of ids.entries()) await c.connect(id, `c${i}`)
      vi.setSystemTime(Date.now() + 61_000)
      for (const id of ids.slice(0, 250)) c.gone.add(id)
      c.sent.length = 0
      expect(JSON.parse((await c.notice('hi')).body)).toEqual({ delivered: 5, gone: 250 })
      const left = c.sent.filter((s) => s.to === ids[254] && s.data.type === 'presence')
      expect(left.map((s) => s.data.name.split(', ').length)).toEqual([100, 100, 50])
    } finally {
      vi.useRealTimers()
    }
  })

  it('cuts a long name to 32 UTF-16 units without splitting an emoji', async () => {
    const c = await chat()
    await c.connect(A, 'alice')
    c.sent.length = 0
    await c.connect(B, `${'x'.repeat(31)}😀tail`)
    const joined = c.sent.find((s) => s.data.type === 'presence')!.data
    expect(joined.name).toBe('x'.repeat(31))
    expect(new TextDecoder('utf-8', { fatal: true }).decode(new TextEncoder().encode(joined.name))).toBe(
      joined.name,
    )
  })

  it('keeps a member that is gone only because its $connect has not returned yet', async () => {
    const c = await chat()
    await c.connect(A, 'alice')
    c.gone.add(A) // what AWS answers for a connection still inside $connect
    expect(JSON.parse((await c.notice('early')).body)).toEqual({ delivered: 0, gone: 1 })
    c.gone.delete(A)
    expect(JSON.parse((await c.notice('later')).body)).toEqual({ delivered: 1, gone: 0 })
  })

  it('announces a departure on $disconnect', async () => {
    const c = await chat()
    await c.connect(A, 'alice')
    await c.connect(B, 'bob')
    c.sent.length = 0
    await c.app.handler(events.disconnect({ connectionId: B }))
    expect(c.sent).toEqual([{ to: A, data: { type: 'presence', event: 'left', name: 'bob', online: 1 } }])
  })

  it('shares who is connected between Lambda instances: every App on one store', async () => {
    const store = new MemoryConnectionStore()
    const one = await chat({ connections: store })
    const two = await chat({ connections: store })
    await one.connect(A, 'alice')
    await two.connect(B, 'bob')
    expect(two.sent).toEqual([{ to: A, data: { type: 'presence', event: 'joined', name: 'bob', online: 2 } }])
    // alice's name, saved by instance one, is what instance two puts on her message.
    await two.say(A, { action: 'sendmessage', message: 'hi' })
    expect(two.sent.slice(1).map((s) => [s.to, s.data.from])).toEqual([
      [A, 'alice'],
      [B, 'alice'],
    ])
    expect(JSON.parse((await one.say(B, { action: 'whoami' })).body)).toMatchObject({
      name: 'bob',
      online: 2,
    })
    await one.app.handler(events.disconnect({ connectionId: B }))
    expect(one.sent).toEqual([{ to: A, data: { type: 'presence', event: 'left', name: 'bob', online: 1 } }])
  })

  it('serves the page wired to the stage of the request', async () => {
    const c = await chat()
    const res = await c.app.handler(events.rest({ path: '/', stage: 'prod' }))
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toContain('const STAGE = "prod"')
  })
})
