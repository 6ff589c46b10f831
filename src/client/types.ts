import type { App } from '../app/app.js'
import type { ClientError, ConnectError } from './errors.js'

// The client's types. Route types come from the App's type alone (`import type`): what
// `app.webSocket(key, { data: schema }, handler)` declared, with no code generation.

/** What one route declares: the data it takes and the reply its handler returns. */
export interface RouteSpec {
  data: unknown
  reply: unknown
}
export type RouteMap = Record<string, RouteSpec>

/** The routes a client may name: the App's, without `$connect`, `$disconnect`, `$default`. */
export type ActionsOf<A> =
  A extends App<infer R>
    ? { [K in keyof R as K extends `$${string}` ? never : K]: R[K] extends RouteSpec ? R[K] : never }
    : RouteMap

/** `[data]`, or `[data?]` when the route takes none. */
export type DataArgs<S extends RouteSpec> = undefined extends S['data']
  ? [data?: S['data']]
  : [data: S['data']]
/** `[data, options?]`: data stays positional, so options are never mistaken for it. */
export type RequestArgs<S extends RouteSpec> = undefined extends S['data']
  ? [data?: S['data'], options?: RequestOptions]
  : [data: S['data'], options?: RequestOptions]

/** A frame's data as handlers see it: whatever the reply of a plain route was, minus Lambda-result shapes. */
export type ReplyOf<S extends RouteSpec> = S['reply']

/** The minimal WebSocket both the browser's and `ws` provide. */
export interface SocketLike {
  readonly readyState: number
  readonly protocol: string
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: any) => void) | null
  onmessage: ((event: { data: any }) => void) | null
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null
  onerror: ((event: any) => void) | null
}
export type SocketConstructor = new (url: string, protocols?: string | string[]) => SocketLike

export interface BackoffOptions {
  /** First delay after a failure (default 500 ms). */
  initialMs?: number
  /** The cap (default 30 s). */
  maxMs?: number
  /** Growth per failed attempt (default 2). */
  factor?: number
}

/** What the `onConnect` hook gets: sends on the new connection, before the application's queue. */
export interface Link<R extends RouteMap = RouteMap> {
  send<K extends keyof R & string>(action: K, ...data: DataArgs<R[K]>): void
  request<K extends keyof R & string>(action: K, ...args: RequestArgs<R[K]>): Promise<ReplyOf<R[K]>>
  /** `initial`, `reconnect` (after a close) or `rotate` (ahead of the lifetime limit). */
  readonly reason: ConnectReason
}

export type ConnectReason = 'initial' | 'reconnect' | 'rotate'

export interface ClientOptions<R extends RouteMap = RouteMap> {
  /** Subprotocols offered on every connect. */
  protocols?: string | string[]
  /** The WebSocket class; default the global one, else (Node 20) the `ws` package, loaded on first connect. */
  WebSocket?: SocketConstructor
  backoff?: BackoffOptions
  /** A keepalive frame after this long without sending (default 8 min, under the 10-min idle limit); 0 turns it off. */
  keepaliveMs?: number
  /** The route keepalive frames name (default `socketeer.keepalive`, a MOCK route on AWS). */
  keepaliveAction?: string
  /** Open a fresh connection this long after each open (default 110 min, before the 2-hour limit); 0 turns it off. */
  rotateAfterMs?: number
  /** How long a rotated-out connection may stay open for replies still owed on it (default 5 s). */
  drainMs?: number
  /** Default request timeout (default 30 s). */
  requestTimeoutMs?: number
  /** Messages that may wait for a connection (default 1000); one more throws QueueFullError. */
  queueLimit?: number
  /**
   * A session id sent on every connect (`?session=`), so the App can reach this client
   * across connections. Default: a random id made once per client; `false` for none.
   * It is a bearer secret: anyone who knows it receives the session's messages.
   */
  session?: string | false
  /** Runs on every new connection before the application's queued messages: re-join groups here. */
  onConnect?: (link: Link<R>) => void | Promise<void>
  /**
   * The credentials look refused: refresh them here (the next connect calls the URL
   * function again). Runs before the next try, which still waits for the backoff. In Node
   * (`ws`) it runs on a handshake refused with 401/403 (`error.status`). A browser never
   * shows a refused handshake's status, so there it runs after `authErrorAfter`
   * handshakes in a row failed before opening, and again after each as many more, with
   * `error.status` undefined and `error.failures` the count (docs/client.md).
   */
  onAuthError?: (error: ConnectError) => void | Promise<void>
  /** Failed handshakes in a row, with no status to tell why, before `onAuthError` runs (default 2; 0: never). */
  authErrorAfter?: number
  /**
   * On each new connection of a session, ask the App for the pushes it held while the
   * session had no connection (default true).
   */
  resume?: boolean
  /** Whether to reconnect after a close the user did not ask for (default: always). */
  shouldReconnect?: (close: CloseInfo) => boolean
  /** How many pushed message ids are remembered for de-duplication (default 1000). */
  dedupeWindow?: number
}

export interface RequestOptions {
  timeout?: number
  /** Send again on the next connection when the one it went out on closes before the reply (default true). */
  resend?: boolean
}

export interface CloseInfo {
  code: number
  reason: string
  /** True when the client will connect again. */
  willReconnect: boolean
}

export interface OpenInfo {
  reason: ConnectReason
  /** The subprotocol the server accepted ('' for none). */
  protocol: string
}

export interface MessageMeta {
  /** The push's id, for messages the App sent with one (de-duplicated already). */
  id?: string
  session?: string
}

export interface ReconnectInfo {
  attempt: number
  delayMs: number
}

export interface ClientEvents<M = unknown> {
  open: (info: OpenInfo) => void
  message: (data: M, meta: MessageMeta) => void
  close: (info: CloseInfo) => void
  error: (error: ClientError) => void
  reconnect: (info: ReconnectInfo) => void
}

export interface Client<R extends RouteMap = RouteMap, M = unknown> {
  /** Sends a one-way message; queued while reconnecting; throws QueueFullError when the queue is full. */
  send<K extends keyof R & string>(action: K, ...data: DataArgs<R[K]>): void
  /** Sends a request and resolves with the route's reply (rejects with ServerError, GatewayError, RequestTimeoutError...). */
  request<K extends keyof R & string>(action: K, ...args: RequestArgs<R[K]>): Promise<ReplyOf<R[K]>>
  on<E extends keyof ClientEvents<M>>(event: E, listener: ClientEvents<M>[E]): () => void
  /** Closes the connection for good: no reconnect, every timer ended, pending requests rejected. */
  close(): void
  /** The session id sent on connect, if any. */
  readonly session: string | undefined
  /** True while a connection is open and ready. */
  readonly connected: boolean
}

export type UrlSource = string | (() => string | Promise<string>)
