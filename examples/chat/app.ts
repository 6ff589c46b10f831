import {
  App,
  AppError,
  type AppOptions,
  CONNECTIONS_TABLE_ENV,
  type ConnectionStore,
  DynamoConnectionStore,
  MemoryConnectionStore,
  type RestApiEvent,
} from 'socketeer'
import { z } from 'zod'
import { announce, LOBBY, online } from './announce.js'
import { nameFrom, nameOf } from './names.js'
import { chatPage } from './page.js'

// The chat example: a WebSocket API (connect with ?name=, broadcast, whoami) and,
// in the same function, a REST route that pushes a notice to everyone plus the page.
//
// The page talks through socketeer/client: `say` is a typed request whose message
// reaches the lobby as a push (de-duplicated by id across the client's rotations), and
// `whoami` answers through its route response. The plain frames of a bare WebSocket
// client work too: {"action":"sendmessage","message":"hi"}, {"action":"whoami"}.
// Server → client payloads are JSON with a `type`: message, notice, presence, whoami, error.

const MAX_MESSAGE = 2_000

/**
 * Who is connected. Deployed, many Lambda instances serve one chat, so it lives in the
 * table the CDK construct creates (and names in SOCKETEER_CONNECTIONS_TABLE). Locally one
 * process serves everyone (the gateway, tests), and memory has the same semantics.
 */
function connectionStore(): ConnectionStore {
  return process.env[CONNECTIONS_TABLE_ENV] ? new DynamoConnectionStore() : new MemoryConnectionStore()
}

export interface ChatOptions {
  /**
   * The socketeer/client browser module the page imports from `./client.js`. `npm run
   * demo` and the tests bundle it; a deployed page would load it from its static host.
   */
  clientScript?: string
}

const sayData = z.object({ text: z.string().trim().min(1).max(MAX_MESSAGE) })

/** A fresh chat App; without `connections`, on a fresh store (tests start several side by side). */
export function createChatApp(options: AppOptions = {}, chat: ChatOptions = {}) {
  const store = options.connections ?? connectionStore()
  const base = new App({ ...options, connections: store })
  const app = routes(base, store)
  app.get('/client.js', (ctx) =>
    chat.clientScript === undefined
      ? ctx.text('the page needs the socketeer/client module: pass createChatApp(..., { clientScript })', 404)
      : ctx.body(chat.clientScript, 200, {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'no-cache',
        }),
  )
  // The page connects back to the WebSocket stage of the API that served it.
  app.get('/', (ctx) => ctx.html(chatPage((ctx.event as RestApiEvent).requestContext?.stage ?? 'dev')))
  return app
}

// Chained, so the App's type carries every route's data and reply for the page's client.
function routes(app: App, store: ConnectionStore) {
  const typed = app
    // A socketeer/client request: the reply is the return value, the message a push to the
    // lobby whose id is the request's, so a request sent again after a lost connection
    // is shown once.
    .webSocket('say', { data: sayData }, async (ctx) => {
      const ws = ctx.asWebSocket()
      const from = nameOf(ws.connectionId, await store.get(ws.connectionId))
      const at = ws.requestTimeEpoch
      const id = ctx.message?.id ?? crypto.randomUUID()
      await announce(ctx, store, {
        $: 'push',
        id,
        data: { type: 'message', from, text: ctx.data.text, at, route: ws.routeKey },
      })
      return { id, at }
    })
    // Answered through the route response (the gateway must enable one for `whoami`).
    .webSocket('whoami', { routeResponse: true }, async (ctx) => {
      const ws = ctx.asWebSocket()
      return {
        type: 'whoami' as const,
        connectionId: ws.connectionId,
        name: nameOf(ws.connectionId, await store.get(ws.connectionId)),
        connectedAt: ws.connectedAt,
        sourceIp: ws.sourceIp,
        online: await online(store),
      }
    })

  app.webSocket('$connect', async (ctx) => {
    const ws = ctx.asWebSocket()
    const name = nameFrom(ws.query.name, ws.connectionId)
    // Both take effect when the App saves the record, once $connect returns. Until then the
    // client is no member and a post to it would be a 410: the others are told, and it is
    // counted on top.
    await ws.setAttributes({ name })
    await ws.join(LOBBY)
    await announce(ctx, store, { type: 'presence', event: 'joined', name, online: (await online(store)) + 1 })
  })

  app.webSocket('$disconnect', async (ctx) => {
    // The App deleted the connection before this runs: it is neither told nor counted.
    const record = ctx.asWebSocket().departed?.record
    // No record: never saved, or a broadcast already found it gone and announced it.
    if (!record) return
    const name = nameOf(record.connectionId, record)
    await announce(ctx, store, { type: 'presence', event: 'left', name, online: await online(store) })
  })

  app.webSocket('sendmessage', async (ctx) => {
    const ws = ctx.asWebSocket()
    const { message } = ws.json<{ message?: unknown }>()
    if (typeof message !== 'string' || message.trim() === '' || message.length > MAX_MESSAGE) {
      // A one-way route's result never reaches the client: say it with a frame.
      await ws.sendJSON({
        type: 'error',
        message: `message must be a non-empty string of at most ${MAX_MESSAGE} characters`,
      })
      return
    }
    const from = nameOf(ws.connectionId, await store.get(ws.connectionId))
    await announce(ctx, store, {
      type: 'message',
      from,
      text: message,
      at: ws.requestTimeEpoch,
      route: ws.routeKey,
    })
  })

  app.webSocket('$default', async (ctx) => {
    await ctx.asWebSocket().sendJSON({
      type: 'error',
      message:
        'unknown action; send {"action":"say","data":{"text":"..."}}, {"action":"sendmessage","message":"..."} or {"action":"whoami"}',
    })
  })

  app.post('/notice', async (ctx) => {
    const { text } = ctx.req.json<{ text?: unknown }>()
    if (typeof text !== 'string' || text.trim() === '')
      throw new AppError('bad_request', 'body must be {"text": "..."}')
    const result = await announce(ctx, store, { type: 'notice', text, at: Date.now(), route: 'POST /notice' })
    return ctx.json(result)
  })

  return typed
}

export type ChatApp = ReturnType<typeof createChatApp>

export const app = createChatApp()
export const handler = app.handler
