import { App, AppError, type AppOptions, type RestApiEvent } from 'socketeer'
import { announce } from './announce.js'
import { chatPage } from './page.js'
import { Roster } from './roster.js'

// The chat example: a WebSocket API (connect with ?name=, broadcast, whoami) and,
// in the same function, a REST route that pushes a notice to everyone plus the page.
//
// Client → server frames: {"action":"sendmessage","message":"hi"}, {"action":"whoami"}.
// Server → client frames are JSON with a `type`: message, notice, presence, whoami, error.

const MAX_NAME = 32
const MAX_MESSAGE = 2_000

function nameFrom(raw: string | undefined, connectionId: string): string {
  const name = (raw ?? '').trim().slice(0, MAX_NAME)
  return name || `guest-${connectionId.slice(0, 4)}`
}

/** A fresh chat App with its own roster (tests start several side by side). */
export function createChatApp(options: AppOptions = {}): App {
  const roster = new Roster()
  const app = new App(options)

  app.webSocket('$connect', async (ctx) => {
    const ws = ctx.asWebSocket()
    const name = nameFrom(ws.query.name, ws.connectionId)
    // Posting to the connecting client would be a 410 here; tell the others instead.
    await announce(ctx, roster, { type: 'presence', event: 'joined', name, online: roster.size + 1 })
    roster.add({
      connectionId: ws.connectionId,
      name,
      endpoint: ws.managementEndpoint,
      region: ws.region,
      joinedAt: Date.now(),
    })
  })

  app.webSocket('$disconnect', async (ctx) => {
    const gone = roster.remove(ctx.asWebSocket().connectionId)
    if (gone)
      await announce(ctx, roster, { type: 'presence', event: 'left', name: gone.name, online: roster.size })
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
    const from = roster.get(ws.connectionId)?.name ?? nameFrom(undefined, ws.connectionId)
    await announce(ctx, roster, { type: 'message', from, text: message, at: ws.requestTime })
  })

  // Answered through the route response (the gateway must enable one for `whoami`).
  app.webSocket('whoami', (ctx) => {
    const ws = ctx.asWebSocket()
    return {
      type: 'whoami',
      connectionId: ws.connectionId,
      name: roster.get(ws.connectionId)?.name ?? nameFrom(undefined, ws.connectionId),
      connectedAt: ws.connectedAt,
      sourceIp: ws.sourceIp,
      online: roster.size,
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
    const result = await announce(ctx, roster, { type: 'notice', text, at: Date.now() })
    return ctx.json(result)
  })

  // The page connects back to the WebSocket stage of the API that served it.
  app.get('/', (ctx) => ctx.html(chatPage((ctx.event as RestApiEvent).requestContext?.stage ?? 'dev')))

  return app
}

export const app = createChatApp()
export const handler = app.handler
