// The wire format between socketeer/client and the App: JSON text frames, one module
// imported by both sides. Language-neutral on purpose (docs/client.md): a Python or curl
// client speaks it by writing and reading these objects, and the contract fixtures in
// contract-tests/wire/ pin every shape.
//
// Client → App   {"action": A, "data"?: D, "id"?: I}      `id` makes it a request
// App → client   {"$": "reply", "id": I, "data"?: D}       the route's return value
//                {"$": "error", "id"?: I, "error": {code, message, requestId, details?}}
//                {"$": "push", "id": M, "data"?: D, "session"?: S}   de-duplicated by `id`
// AWS → client   {"message": "Internal server error" | "Forbidden" | "Endpoint request timed out",
//                 "connectionId": C, "requestId": R}
//
// Resume: a client with a session asks, as the first request on a new connection,
// {"action": "socketeer.resume", "id": I}; the reply's data is
// {"messages": [push frames held while it had no connection, oldest first], "more": bool}.
//
// A request whose handler crashed gets its error frame (with its `id` and the event's
// `requestId`) and then, because the invocation fails, API Gateway's own
// `Internal server error` frame with the same `requestId`: a client ignores the latter.
//
// No node: imports and no App imports: the browser bundle carries this file.

/** The key that marks a frame as socketeer's own; anything else is the application's. */
export const KIND = '$'

/** Longest request or message id either side accepts. */
export const MAX_ID_LENGTH = 128

/** A message or request from a client. */
export interface ClientFrame {
  action: string
  data?: unknown
  id?: string
}

export interface WireError {
  code: string
  message: string
  requestId?: string
  details?: unknown
}

export type ServerFrame =
  | { $: 'reply'; id: string; data?: unknown }
  | { $: 'error'; id?: string; error: WireError }
  | { $: 'push'; id: string; data?: unknown; session?: string }

/** The three frames API Gateway itself sends when a message cannot be handled. */
export const AWS_ERROR_MESSAGES = [
  'Internal server error',
  'Forbidden',
  'Endpoint request timed out',
] as const
export type AwsErrorMessage = (typeof AWS_ERROR_MESSAGES)[number]

export type Incoming =
  | ServerFrame
  | { $: 'aws'; message: AwsErrorMessage; connectionId?: string; requestId?: string }
  | { $: 'app'; data: unknown }

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH
}

export function encodeClientFrame(action: string, data: unknown, id?: string): string {
  const frame: ClientFrame = { action }
  if (data !== undefined) frame.data = data
  if (id !== undefined) frame.id = id
  return JSON.stringify(frame)
}

/**
 * Reads a parsed client frame: `undefined` when it is not one (no string `action`), so a
 * route that takes its own JSON keeps working. A bad `id` is dropped, not trusted.
 */
export function readClientFrame(value: unknown): ClientFrame | undefined {
  if (!isObject(value) || typeof value.action !== 'string') return undefined
  const frame: ClientFrame = { action: value.action }
  if ('data' in value) frame.data = value.data
  if (isId(value.id)) frame.id = value.id
  return frame
}

export function replyFrame(id: string, data: unknown): ServerFrame {
  return data === undefined ? { $: 'reply', id } : { $: 'reply', id, data }
}

export function errorFrame(error: WireError, id?: string): ServerFrame {
  return id === undefined ? { $: 'error', error } : { $: 'error', id, error }
}

export function pushFrame(id: string, data: unknown, session?: string): ServerFrame {
  const frame: ServerFrame = { $: 'push', id }
  if (data !== undefined) frame.data = data
  if (session !== undefined) frame.session = session
  return frame
}

function readError(value: unknown): WireError | undefined {
  if (!isObject(value) || typeof value.code !== 'string' || typeof value.message !== 'string')
    return undefined
  const error: WireError = { code: value.code, message: value.message }
  if (typeof value.requestId === 'string') error.requestId = value.requestId
  if (value.details !== undefined) error.details = value.details
  return error
}

/**
 * Classifies a parsed server frame. The App's plain error envelope (`{"error": {...}}`,
 * what a one-way route's failure posts) reads as an error without an id; AWS's own
 * frames are recognised by their exact message; everything else is the application's.
 */
export function readServerFrame(value: unknown): Incoming {
  if (isObject(value)) {
    const kind = value[KIND]
    if (kind === 'reply' && isId(value.id)) return replyFrame(value.id, value.data)
    if (kind === 'error') {
      const error = readError(value.error)
      if (error) return errorFrame(error, isId(value.id) ? value.id : undefined)
    }
    if (kind === 'push' && isId(value.id))
      return pushFrame(value.id, value.data, typeof value.session === 'string' ? value.session : undefined)
    if (kind === undefined) {
      const keys = Object.keys(value)
      if (keys.length === 1 && keys[0] === 'error') {
        const error = readError(value.error)
        if (error) return errorFrame(error)
      }
      const message = value.message
      if (
        typeof message === 'string' &&
        (AWS_ERROR_MESSAGES as readonly string[]).includes(message) &&
        typeof value.requestId === 'string'
      ) {
        const frame: Incoming = { $: 'aws', message: message as AwsErrorMessage, requestId: value.requestId }
        if (typeof value.connectionId === 'string') frame.connectionId = value.connectionId
        return frame
      }
    }
  }
  return { $: 'app', data: value }
}

/** The error code a client reports for each AWS frame. */
export const AWS_ERROR_CODES: Record<AwsErrorMessage, string> = {
  'Internal server error': 'internal',
  Forbidden: 'forbidden',
  'Endpoint request timed out': 'gateway_timeout',
}

/** Query parameter that carries a client's session id on the `$connect` URL. */
export const SESSION_PARAM = 'session'

/** A session id: unguessable, so it is a bearer secret; 16 to 128 URL-safe characters. */
export const SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/

/** The connection-registry group that carries a session's connections. */
export function sessionGroup(session: string): string {
  return `session:${session}`
}

/** Default keepalive route: answered by the gateway (a MOCK integration on AWS), never a Lambda. */
export const KEEPALIVE_ACTION = 'socketeer.keepalive'

/** The request a client with a session sends first on a new connection: the App replies with held pushes. */
export const RESUME_ACTION = 'socketeer.resume'

export interface ResumeReply {
  messages: Extract<ServerFrame, { $: 'push' }>[]
  more: boolean
}

/** Reads a resume reply's data; anything malformed reads as nothing held. */
export function readResumeReply(value: unknown): ResumeReply {
  const out: ResumeReply = { messages: [], more: false }
  if (!isObject(value) || !Array.isArray(value.messages)) return out
  for (const m of value.messages) {
    const frame = readServerFrame(m)
    if (frame.$ === 'push') out.messages.push(frame)
  }
  out.more = value.more === true
  return out
}
