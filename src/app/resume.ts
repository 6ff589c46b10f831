import { sessionOf } from '../connections/lifecycle.js'
import { resumeReplyData } from '../connections/sessions.js'
import type { ConnectionStore } from '../connections/types.js'
import type { WebSocketResult } from '../events/types.js'
import { parseJsonBody } from '../json.js'
import { RESUME_ACTION, readClientFrame } from '../protocol/frames.js'
import type { Context } from './context.js'
import { answerFailure } from './messages.js'

// The App's answer to socketeer/client's resume request (protocol/frames.ts): the pushes
// held for the connection's session while it had none (connections/sessions.ts), posted
// as the reply, then released. Answered by the App itself, on the resume route or on
// `$default` (where API Gateway sends an action with no route of its own).

/** Whether a MESSAGE event is a resume request; `$default` bodies are looked into only if they name it. */
export function isResume(routeKey: string, body: unknown): boolean {
  if (routeKey === RESUME_ACTION) return true
  if (routeKey !== '$default' || typeof body !== 'string' || !body.includes(RESUME_ACTION)) return false
  try {
    return readClientFrame(parseJsonBody(body))?.action === RESUME_ACTION
  } catch {
    return false
  }
}

export async function answerResume(
  ctx: Context,
  store: ConnectionStore | undefined,
): Promise<WebSocketResult> {
  const ws = ctx.asWebSocket()
  let id: string | undefined
  try {
    id = readClientFrame(parseJsonBody(ws.text()))?.id
  } catch {
    // not JSON: cannot be answered
  }
  if (id === undefined) return { statusCode: 200 }
  let session: string | undefined
  let page = { messages: [] as { seq: string; text: string }[], more: false }
  try {
    session = store ? await sessionOf(ws, store) : undefined
    if (session !== undefined && store?.heldSessionMessages) page = await store.heldSessionMessages(session)
  } catch (error) {
    return answerFailure(ctx, id, error, false)
  }
  const text = `{"$":"reply","id":${JSON.stringify(id)},"data":${resumeReplyData(page)}}`
  await ws.send(text)
  if (session !== undefined && page.messages.length > 0) {
    try {
      await store?.releaseSessionMessages?.(
        session,
        page.messages.map((m) => m.seq),
      )
    } catch (error) {
      // Delivered already (the session id is a secret: not logged): the next resume sends them again and the client drops the copies.
      ctx.log.error('could not release delivered session messages', { requestId: ctx.requestId, error })
    }
  }
  return { statusCode: 200, body: text }
}
