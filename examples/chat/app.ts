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
import { announce, LOBBY, online } from './announce.js'
import { nameFrom, nameOf } from './names.js'
import { chatPage } from './page.js'

// The chat example: a WebSocket API (connect with ?name=, broadcast, whoami) and,
// in the same function, a REST route that pushes a notice to everyone plus the page.
//
// Client → server frames: {"action":"sendmessage","message":"hi"}, {"action":"whoami"}.
// Server → client frames are JSON with a `type`: message, notice, presence, whoami, error.

const MAX_MESSAGE = 2_000

/**
 * Who is connected. Deployed, many Lambda instances serve one chat, so it lives in the
 * table the CDK construct creates (and names in SOCKETEER_CONNECTIONS_TABLE). Locally one
 * process serves everyone (the gateway, tests), and memory has the same semantics.
 */
function connectionStore(): ConnectionStore {
  return process.env[CONNECTIONS_TABLE_ENV] ? new DynamoConnectionStore() : new MemoryConnectionStore()
}

/** A fresh chat App; without `connections`, on a fresh store (tests start several side by side). */
export function createChatApp(options: AppOptions = {}): App {
  const store = options.connections ?? connectionStore()
  const app = new App({ ...options, connections: store })

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
    await announce(ctx, store, { type: 'message', from, text: message, at: ws.requestTimeEpoch })
  })

  // Answered through the route response (the gateway must enable one for `whoami`).
  app.webSocket('whoami', async (ctx) => {
    const ws = ctx.asWebSocket()
    return {
      type: 'whoami',
      connectionId: ws.connectionId,
      name: nameOf(ws.connectionId, await store.get(ws.connectionId)),
      connectedAt: ws.connectedAt,
      sourceIp: ws.sourceIp,
      online: await online(store),
    }
  })

  app.webSocket('$default', async (ctx) => {
    await ctx.asWebSocket().sendJSON({
      type: 'error',
      message: 'unknown action; send {"action":"sendmessage","message":"..."} or {"action":"whoami"}',
    })
  })

  app.post('/notice', async (ctx) => {
    const { text } = ctx.req.json<{ text?: unknown }>()
    if (typeof text !== 'string' || text.trim() === '')
      throw new AppError('bad_request', 'body must be {"text": "..."}')
    const result = await announce(ctx, store, { type: 'notice', text, at: Date.now() })
    return ctx.json(result)
  })

  // The page connects back to the WebSocket stage of the API that served it.
  app.get('/', (ctx) => ctx.html(chatPage((ctx.event as RestApiEvent).requestContext?.stage ?? 'dev')))

  return app
}

export const app = createChatApp()
export const handler = app.handler
