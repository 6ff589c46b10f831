import { AppError } from '../errors.js'
import { pushFrame, SESSION_ID, sessionGroup } from '../protocol/frames.js'
import type { ConnectionsBroadcastOptions, ConnectionsBroadcastResult } from './broadcast.js'
import type { ConnectionStore } from './types.js'

// Sessions outlive connections: socketeer/client sends its session id on every connect
// (`?session=`), the App joins that connection to the session's group in the registry
// (connections/lifecycle.ts), and a push to the session reaches whichever connections
// it has now. Each push carries an id, so a client holding two connections for a
// moment (a rotation) takes it once.
//
// A push that no connection took (none registered, or every one answered 410: the gap
// between a close and the reconnect) is held in the store (connections/held.ts). The
// next connection cannot be posted to during its own `$connect` (AWS answers 410), so
// the client asks for what is held as its first request (`socketeer.resume`, answered
// by the App: app/resume.ts). Holding, then looking for a connection once more, closes
// the race with a connection that registered and asked in between: either its ask came
// after the hold (and reads the message) or its registration came before the second
// look (and the message is posted to it). Both may happen; the client's de-duplication
// by push id keeps delivery exactly-once.

export interface PushOptions extends ConnectionsBroadcastOptions {
  /**
   * The push's id (default: a random one). Give a stable id when the same push may be
   * sent again (a retried request): the client drops the copy.
   */
  id?: string
  /** Hold the push in the store when no connection takes it (default true, where the store holds messages). */
  hold?: boolean
}

export interface SessionPushResult extends ConnectionsBroadcastResult {
  /** True when no connection took the push and the store kept it for the session's next connection. */
  held: boolean
}

interface Broadcaster {
  broadcast(
    target: string,
    data: object,
    options: ConnectionsBroadcastOptions,
  ): Promise<ConnectionsBroadcastResult>
}

export async function pushToSession(
  via: Broadcaster,
  store: ConnectionStore | undefined,
  session: string,
  data: unknown,
  options: PushOptions = {},
): Promise<SessionPushResult> {
  if (typeof session !== 'string' || !SESSION_ID.test(session))
    throw new AppError('bad_request', 'not a session id (16 to 128 URL-safe characters)')
  const { id = crypto.randomUUID(), hold = true, ...rest } = options
  const frame = pushFrame(id, data, session)
  const group = sessionGroup(session)
  const result = await via.broadcast(group, frame, rest)
  if (result.sent.length > 0 || !hold || !store?.holdSessionMessage) return { ...result, held: false }
  const held = await store.holdSessionMessage(session, { id, text: JSON.stringify(frame) })
  if (!held) return { ...result, held: false }
  const again = await via.broadcast(group, frame, rest)
  if (again.sent.length === 0) return { ...result, held: true }
  await store.releaseSessionMessages?.(session, [held.seq])
  return {
    sent: again.sent,
    gone: [...result.gone, ...again.gone],
    failed: [...result.failed, ...again.failed],
    pruned: [...result.pruned, ...again.pruned],
    pruneFailed: [...result.pruneFailed, ...again.pruneFailed],
    held: false,
  }
}

/**
 * The reply data of a resume: the held push frames, oldest first, as one JSON text (the
 * stored frames are spliced in as they are, not parsed and written again).
 */
export function resumeReplyData(page: { messages: { text: string }[]; more: boolean }): string {
  return `{"messages":[${page.messages.map((m) => m.text).join(',')}],"more":${page.more}}`
}
