import { z } from 'zod'
import type { ConnectionStore } from '../../src/connections/types.js'
import { App, AppError, MemoryConnectionStore } from '../../src/index.js'

// The App the client tests talk to: one of each kind of route socketeer/client meets.

export interface TestAppOptions {
  /** Tokens `$connect` accepts (`?token=`); undefined accepts everyone. `GET /token` issues one. */
  tokens?: Set<string>
  /** Each room's messages in order, kept outside the App (as a database would) so a restarted gateway has them. */
  rooms?: Map<string, RoomEntry[]>
  /** The browser bundle of socketeer/client, served at `GET /client.js`. */
  clientScript?: string
  /** The connection registry (default a MemoryConnectionStore). */
  store?: ConnectionStore
  /** Check `tokens` in a `$connect` authorizer (`app.authorizer()`) instead of the `$connect` route. */
  authorizeTokens?: boolean
}

export interface RoomEntry {
  /** The request that said it: a request sent again is answered from here, not said twice. */
  requestId: string
  seq: number
  from: string
  n: number
}

export function createTestApp(options: TestAppOptions = {}) {
  const store = options.store ?? new MemoryConnectionStore()
  const rooms = options.rooms ?? new Map<string, RoomEntry[]>()
  const log = (room: string) => {
    let entries = rooms.get(room)
    if (!entries) {
      entries = []
      rooms.set(room, entries)
    }
    return entries
  }
  const app = new App({ connections: store, logLevel: 'silent' })
    .webSocket('$connect', async (ctx) => {
      const ws = ctx.asWebSocket()
      const token = ws.query.token
      if (!options.authorizeTokens && options.tokens && !(token && options.tokens.has(token))) ctx.reject(401)
      // A welcome pushed to the session while its connection is still being accepted.
      const session = ws.query.welcome ? await ws.session() : undefined
      if (session) await ws.pushToSession(session, { welcome: true }, { id: `welcome-${ws.connectionId}` })
    })
    .webSocket('echo', { data: z.object({ text: z.string().max(100) }) }, (ctx) => ({
      echoed: ctx.data.text,
    }))
    .webSocket('whoami', { routeResponse: true }, (ctx) => ({ connectionId: ctx.asWebSocket().connectionId }))
    .webSocket('taken', () => {
      throw new AppError('conflict', 'that name is taken', { details: { name: 'ada' } })
    })
    .webSocket('crash', () => {
      throw new Error('secret internal detail')
    })
    .webSocket('crashTwoWay', { routeResponse: true }, () => {
      throw new Error('secret internal detail')
    })
    .webSocket('slow', { data: z.object({ ms: z.number() }) }, async (ctx) => {
      await new Promise((r) => setTimeout(r, ctx.data.ms))
      return { slept: ctx.data.ms }
    })
    // A room with a history: `join` answers what was said since the caller's last entry,
    // `say` appends once per request id (a request sent again after a lost connection is
    // answered, not repeated) and pushes the entry, with the room's seq as its push id.
    .webSocket(
      'join',
      { data: z.object({ room: z.string(), since: z.number().int().min(0) }) },
      async (ctx) => {
        await ctx.asWebSocket().join(ctx.data.room)
        return { joined: ctx.data.room, missed: log(ctx.data.room).slice(ctx.data.since) }
      },
    )
    .webSocket(
      'say',
      { data: z.object({ room: z.string(), from: z.string(), n: z.number() }) },
      async (ctx) => {
        const ws = ctx.asWebSocket()
        const { room, from, n } = ctx.data
        const requestId = ctx.message?.id ?? crypto.randomUUID()
        const entries = log(room)
        const said = entries.find((e) => e.requestId === requestId)
        if (said) return { seq: said.seq, again: true }
        const entry = { requestId, seq: entries.length + 1, from, n }
        entries.push(entry)
        await ws.broadcast(room, { $: 'push', id: `${room}:${entry.seq}`, data: entry })
        return { seq: entry.seq, again: false }
      },
    )
    // Pushes to the caller's own session, after a delay (the connection may have rotated by then).
    .webSocket('later', { data: z.object({ ms: z.number(), n: z.number() }) }, async (ctx) => {
      const ws = ctx.asWebSocket()
      const session = await ws.session()
      if (!session) throw new AppError('bad_request', 'no session')
      const { ms, n } = ctx.data
      setTimeout(() => {
        ws.pushToSession(session, { n }, { id: `later-${n}` }).catch(() => {})
      }, ms)
      return { session }
    })
  if (options.authorizeTokens)
    app.authorizer((ctx, event) => {
      const token = event.queryStringParameters?.token
      if (!(token && options.tokens?.has(token))) ctx.reject(401)
      return { principalId: `user-${token}` }
    })
  app.get('/token', (ctx) => {
    const token = crypto.randomUUID()
    options.tokens?.add(token)
    return ctx.json({ token })
  })
  app.get('/client.js', (ctx) =>
    ctx.body(options.clientScript ?? '', 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  )
  app.get('/', (ctx) => ctx.html('<!doctype html><meta charset="utf-8"><title>client test</title><body>'))
  app.get('/favicon.ico', (ctx) => ctx.body(undefined, 204))
  return { app, store }
}

export type TestApp = ReturnType<typeof createTestApp>['app']
