import type { ConnectionsBroadcastOptions, ConnectionsBroadcastResult } from '../connections/broadcast.js'
import { AppError } from '../errors.js'
import { pushFrame, SESSION_ID, sessionGroup } from '../protocol/frames.js'

// Sessions outlive connections: socketeer/client sends its session id on every connect
// (`?session=`), the App joins that connection to the session's group in the registry
// (connections/lifecycle.ts), and a push to the session reaches whichever connections
// it has now. Each push carries an id, so a client holding two connections for a
// moment (a rotation) takes it once.

export interface PushOptions extends ConnectionsBroadcastOptions {
  /**
   * The push's id (default: a random one). Give a stable id when the same push may be
   * sent again (a retried request): the client drops the copy.
   */
  id?: string
}

interface Broadcaster {
  broadcast(
    target: string,
    data: object,
    options: ConnectionsBroadcastOptions,
  ): Promise<ConnectionsBroadcastResult>
}

export function pushToSession(
  via: Broadcaster,
  session: string,
  data: unknown,
  options: PushOptions = {},
): Promise<ConnectionsBroadcastResult> {
  if (typeof session !== 'string' || !SESSION_ID.test(session))
    return Promise.reject(new AppError('bad_request', 'not a session id (16 to 128 URL-safe characters)'))
  const { id = crypto.randomUUID(), ...rest } = options
  return via.broadcast(sessionGroup(session), pushFrame(id, data, session), rest)
}
