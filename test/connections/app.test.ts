import { describe, expect, it } from 'vitest'
import { App } from '../../src/app/app.js'
import { ConnectionGoneError, ConnectionStoreMissingError } from '../../src/connections/errors.js'
import { MemoryConnectionStore } from '../../src/connections/memory.js'
import type { ConnectionStore } from '../../src/connections/types.js'
import { events, FakeStreamer, invoke } from '../../testkit/index.js'
import { collect, connectionId, useDynalite } from './helpers.js'

// The App's side of the registry, through the testkit (events shaped as API Gateway
// sends them, the FakeStreamer on the shared @connections model), against both stores.

const EP = 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod'
const db = useDynalite()
const stores: Array<[string, () => Promise<ConnectionStore>]> = [
  ['memory', async () => new MemoryConnectionStore()],
  ['dynamo', () => db.store()],
]

function setup(store: ConnectionStore) {
  const fake = new FakeStreamer({ strict: false, endpoint: EP })
  const app = new App({ connections: store, streamer: fake.factory, logLevel: 'silent' })
  return { fake, app }
}

describe.each(stores)('App with a %s store', (_name, make) => {
  it('saves an accepted $connect with its endpoint, principal, attributes and the groups it joined', async () => {
    const store = await make()
    const { fake, app } = setup(store)
    app.webSocket('$connect', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.join(`user#${ws.principalId}`)
      await ws.join('lobby')
      await ws.leave('lobby')
      await ws.setAttributes({ nick: ws.query.nick })
      // Not saved yet: the handshake may still be refused.
      expect(await store.get(ws.connectionId)).toBeUndefined()
    })
    const id = connectionId(1)
    const connectedAt = Date.now() - 1
    const { result } = await invoke(
      app,
      events.connect({
        connectionId: id,
        connectedAt,
        query: { nick: 'ada' },
        authorizer: { principalId: 'u-42', tenant: 't1', integrationLatency: 12 },
      }),
      { fake },
    )
    expect(result.statusCode).toBe(200)
    expect(await store.get(id)).toEqual({
      connectionId: id,
      endpoint: EP,
      connectedAt,
      expiresAt: Math.floor(connectedAt / 1000) + 7800,
      principalId: 'u-42',
      attributes: { tenant: 't1', nick: 'ada' },
    })
    expect(await collect(store.groups(id))).toEqual(['user#u-42'])
  })

  it('never saves a refused $connect, however it was refused', async () => {
    const store = await make()
    const { fake, app } = setup(store)
    app.webSocket('$connect', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.join('lobby')
      const how = ws.query.how
      if (how === 'reject') ctx.reject(401)
      if (how === 'status') return { statusCode: 403 }
      if (how === 'throw') throw new Error('boom')
    })
    for (const [i, how] of ['reject', 'status', 'throw'].entries()) {
      const id = connectionId(10 + i)
      const { result } = await invoke(app, events.connect({ connectionId: id, query: { how } }), { fake })
      expect(result.statusCode).toBeGreaterThanOrEqual(400)
      expect(await store.get(id)).toBeUndefined()
    }
    expect(await collect(store.members('lobby'))).toEqual([])
  })

  it('saves connections when the App has no $connect route, and deletes them with no $disconnect route', async () => {
    const store = await make()
    const { fake, app } = setup(store)
    app.webSocket('$default', () => undefined)
    const id = connectionId(20)
    expect((await invoke(app, events.connect({ connectionId: id }), { fake })).result).toEqual({
      statusCode: 200,
    })
    expect((await store.get(id))?.endpoint).toBe(EP)
    await invoke(app, events.disconnect({ connectionId: id }), { fake })
    expect(await store.get(id)).toBeUndefined()
  })

  it('deletes on $disconnect before the handlers run, telling them what was removed', async () => {
    const store = await make()
    const { fake, app } = setup(store)
    let seen: unknown
    app.webSocket('$connect', (ctx) => ctx.asWebSocket().join('room'))
    app.webSocket('$disconnect', async (ctx) => {
      const ws = ctx.asWebSocket()
      seen = {
        stored: await store.get(ws.connectionId),
        members: await collect(store.members('room')),
        departed: ws.departed,
      }
      // Tell the room who left: the departed connection is no longer a member.
      await ws.broadcast('room', { left: ws.connectionId })
    })
    const [a, b] = [connectionId(30), connectionId(31)]
    await invoke(app, events.connect({ connectionId: a }), { fake })
    await invoke(app, events.connect({ connectionId: b }), { fake })
    fake.close(a)
    await invoke(app, events.disconnect({ connectionId: a }), { fake })
    expect(seen).toMatchObject({ stored: undefined, members: [b], departed: { groups: ['room'] } })
    expect((seen as { departed: { record: { connectionId: string } } }).departed.record.connectionId).toBe(a)
    expect(fake.receivedJSON(b)).toEqual([{ left: a }])
    expect(fake.received(a)).toEqual([])
  })

  it('registers by message: {"type":"register","sessionId"} after connecting joins that session', async () => {
    const store = await make()
    const { fake, app } = setup(store)
    app.webSocket('$default', async (ctx) => {
      const ws = ctx.asWebSocket()
      const msg = ws.json<{ type?: string; sessionId?: unknown; text?: string }>()
      if (msg.type === 'register' && typeof msg.sessionId === 'string') {
        await ws.join(`session#${msg.sessionId}`)
        await ws.sendJSON({ registered: msg.sessionId })
        return
      }
      const session = (await collect(store.groups(ws.connectionId))).find((g) => g.startsWith('session#'))
      if (session) await ws.broadcast(session, { text: msg.text }, { exclude: ws.connectionId })
    })
    const [a, b, c] = [connectionId(40), connectionId(41), connectionId(42)]
    for (const id of [a, b, c]) await invoke(app, events.connect({ connectionId: id }), { fake })
    for (const id of [a, b]) {
      const r = await invoke(
        app,
        events.message({ connectionId: id, body: { type: 'register', sessionId: 's1' } }),
        {
          fake,
        },
      )
      expect(r.result.statusCode).toBe(200)
    }
    await invoke(app, events.message({ connectionId: c, body: { type: 'register', sessionId: 's2' } }), {
      fake,
    })
    await invoke(app, events.message({ connectionId: a, body: { text: 'hi' } }), { fake })
    expect(fake.receivedJSON(b)).toEqual([{ registered: 's1' }, { text: 'hi' }])
    expect(fake.receivedJSON(a)).toEqual([{ registered: 's1' }])
    expect(fake.receivedJSON(c)).toEqual([{ registered: 's2' }])
    expect((await collect(store.members('session#s1'))).sort()).toEqual([a, b].sort())

    // A register message that loses the race with $disconnect is refused, not resurrected.
    fake.close(c)
    await invoke(app, events.disconnect({ connectionId: c }), { fake })
    const late = await invoke(
      app,
      events.message({ connectionId: c, body: { type: 'register', sessionId: 's1' } }),
      {
        fake,
      },
    )
    // The App tries to tell the sender (a one-way route drops the result); it is gone: 410.
    expect(late.result).toStrictEqual({ statusCode: 410 })
    expect(late.calls).toHaveLength(1)
    expect(late.calls[0]).toMatchObject({ op: 'post', connectionId: c, status: 410 })
    expect(JSON.parse(String(late.calls[0]!.data)).error.code).toBe('connection_gone')
    expect((await collect(store.members('session#s1'))).sort()).toEqual([a, b].sort())
    expect(await store.get(c)).toBeUndefined()
  })

  it('ws.broadcast prunes gone connections from the store and every group; other failures are reported', async () => {
    const store = await make()
    const { fake, app } = setup(store)
    let result: any
    app.webSocket('$connect', async (ctx) => {
      await ctx.asWebSocket().join('room')
      await ctx.asWebSocket().join('other')
    })
    app.webSocket('$default', async (ctx) => {
      result = await ctx.asWebSocket().broadcast('room', 'news', { pruneGraceMs: 0, concurrency: 3 })
    })
    const ids = Array.from({ length: 8 }, (_, i) => connectionId(50 + i))
    for (const id of ids) await invoke(app, events.connect({ connectionId: id }), { fake })
    // Two closed without a $disconnect (best-effort at AWS), one failing with 403.
    fake.close(ids[1]!)
    fake.close(ids[2]!)
    fake.fail({ op: 'post', connectionId: ids[3]!, status: 403 })
    await invoke(app, events.message({ connectionId: ids[0]!, body: {} }), { fake })
    expect(result.sent.sort()).toEqual([ids[0], ...ids.slice(4)].sort())
    expect(result.gone.sort()).toEqual([ids[1], ids[2]].sort())
    expect(result.pruned.sort()).toEqual([ids[1], ids[2]].sort())
    expect(result.failed.map((f: any) => [f.connectionId, f.error.name])).toEqual([
      [ids[3], 'ForbiddenError'],
    ])
    for (const gone of [ids[1]!, ids[2]!]) {
      expect(await store.get(gone)).toBeUndefined()
      expect(await collect(store.groups(gone))).toEqual([])
    }
    expect((await collect(store.members('other'))).sort()).toEqual([ids[0], ...ids.slice(3)].sort())
    expect(await store.get(ids[3]!)).toBeDefined()
    for (const id of result.sent) expect(fake.received(id)).toEqual(['news'])
  })

  it('does not prune a 410 from a connection whose $connect may still be running (grace window)', async () => {
    const store = await make()
    const { fake, app } = setup(store)
    app.webSocket('$connect', (ctx) => ctx.asWebSocket().join('room'))
    const id = connectionId(60)
    await invoke(app, events.connect({ connectionId: id }), { fake })
    fake.close(id)
    const fresh = await app.broadcast('room', 'x', { endpoint: EP })
    expect(fresh).toMatchObject({ gone: [id], pruned: [] })
    expect(await store.get(id)).toBeDefined()
    const pruned = await app.broadcast('room', 'x', { endpoint: EP, pruneGraceMs: 0 })
    expect(pruned).toMatchObject({ gone: [id], pruned: [id] })
    expect(await store.get(id)).toBeUndefined()
  })

  it('a 410 for a connection still in its $connect, before it is saved, does not refuse its handshake', async () => {
    const store = await make()
    const { fake, app } = setup(store)
    let sent: unknown
    app.webSocket('$connect', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.join('lobby')
      // e.g. a presence frame to a list of ids that includes this connection: AWS answers 410.
      sent = await ws.broadcast([ws.connectionId], { type: 'hello' })
    })
    const id = connectionId(61)
    const { result } = await invoke(app, events.connect({ connectionId: id }), { fake })
    expect(sent).toMatchObject({ gone: [id] })
    expect(result).toEqual({ statusCode: 200 })
    expect(await store.get(id)).toBeDefined()
    expect(await collect(store.members('lobby'))).toEqual([id])
  })
})

describe('App without a store', () => {
  it('ws.join/leave/broadcast throw ConnectionStoreMissingError, logged, and fail the invocation (a 500)', async () => {
    const fake = new FakeStreamer({ strict: false, endpoint: EP })
    const errors: unknown[] = []
    const app = new App({
      streamer: fake.factory,
      logger: { debug() {}, info() {}, warn() {}, error: (_m, f) => errors.push(f?.error) },
    })
    app.webSocket('$default', async (ctx) => {
      const ws = ctx.asWebSocket()
      const op = ws.json<{ op: string }>().op
      if (op === 'join') await ws.join('room')
      if (op === 'leave') await ws.leave('room')
      if (op === 'broadcast') await ws.broadcast('room', 'x')
    })
    for (const op of ['join', 'leave', 'broadcast']) {
      await expect(invoke(app, events.message({ body: { op } }), { fake })).rejects.toBeInstanceOf(
        ConnectionStoreMissingError,
      )
    }
    expect(errors).toHaveLength(3)
    for (const e of errors) {
      expect(e).toBeInstanceOf(ConnectionStoreMissingError)
      expect((e as Error).message).toMatch(/new App\(\{ connections/)
    }
    await expect(app.broadcast('room', 'x', { endpoint: EP })).rejects.toBeInstanceOf(
      ConnectionStoreMissingError,
    )
  })

  it('refuses the handshake when the store cannot save the connection', async () => {
    const store = new MemoryConnectionStore()
    store.put = async () => {
      throw new Error('table unavailable')
    }
    const fake = new FakeStreamer({ strict: false, endpoint: EP })
    const app = new App({ connections: store, streamer: fake.factory, logLevel: 'silent' })
    const { result } = await invoke(app, events.connect({ connectionId: connectionId(70) }), { fake })
    expect(result.statusCode).toBe(500)
    expect(fake.state(connectionId(70))).toBe('closed')
    expect(new ConnectionGoneError('x').status).toBe(410)
  })
})
