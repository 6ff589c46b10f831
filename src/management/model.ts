import { GoneError, PayloadTooLargeError } from '../streamer/errors.js'
import { MAX_MESSAGE_BYTES } from '../streamer/limits.js'
import type { ConnectionInfo } from '../streamer/types.js'

// The @connections model: what the management service does, once. The testkit's
// FakeStreamer puts it behind the streamer interface (in-process); the local gateway
// puts it behind HTTP with the real wire format and behind real sockets.

export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface ModelConnection {
  connectionId: string
  connectedAt: number
  lastActiveAt: number
  sourceIp: string
  userAgent?: string
  state: ConnectionState
}

export interface ModelHooks {
  /** Delivers one message to a live connection (the gateway writes it to the socket). */
  deliver?(connectionId: string, data: Uint8Array): void
  /** DeleteConnection: the gateway closes the socket with 1000 `Connection Closed Normally`. */
  close?(connectionId: string): void
}

export const DELETE_CLOSE_CODE = 1000
export const DELETE_CLOSE_REASON = 'Connection Closed Normally'

export interface ModelOptions {
  now?: () => number
  hooks?: ModelHooks
  /**
   * Closed connections remembered (so `state()` can still say `closed`); older ones are
   * forgotten, which changes nothing for post/get/delete (unknown ids are 410 too) but
   * keeps a long-running gateway's memory bounded. Default 10 000.
   */
  rememberClosed?: number
}

export class ConnectionsModel {
  readonly #connections = new Map<string, ModelConnection>()
  /** Closed ids, oldest first, for forgetting them in order. */
  readonly #closed: string[] = []
  #closedHead = 0
  readonly #rememberClosed: number
  readonly #now: () => number
  hooks: ModelHooks

  constructor(options: ModelOptions = {}) {
    this.#now = options.now ?? Date.now
    this.hooks = options.hooks ?? {}
    this.#rememberClosed = options.rememberClosed ?? 10_000
  }

  #close(c: ModelConnection): void {
    if (c.state === 'closed') return
    c.state = 'closed'
    this.#closed.push(c.connectionId)
    while (this.#closed.length - this.#closedHead > this.#rememberClosed) {
      this.#connections.delete(this.#closed[this.#closedHead++]!)
    }
    if (this.#closedHead > 1024 && this.#closedHead * 2 > this.#closed.length) {
      this.#closed.splice(0, this.#closedHead)
      this.#closedHead = 0
    }
  }

  /** A handshake arrived: the id exists but is not connected until `$connect` accepts. */
  begin(facts: Omit<ModelConnection, 'state' | 'lastActiveAt'> & { lastActiveAt?: number }): ModelConnection {
    const connection: ModelConnection = { lastActiveAt: facts.connectedAt, ...facts, state: 'connecting' }
    this.#connections.set(facts.connectionId, connection)
    return connection
  }

  /** `$connect` accepted (or there is none): the connection is live. */
  accept(connectionId: string): void {
    const c = this.#connections.get(connectionId)
    if (c && c.state === 'connecting') c.state = 'open'
  }

  /** The socket closed or the handshake was refused. Ids are never reused. */
  end(connectionId: string): void {
    const c = this.#connections.get(connectionId)
    if (c) this.#close(c)
  }

  /** Client activity (a frame arrived), for `lastActiveAt`. */
  touch(connectionId: string): void {
    const c = this.#connections.get(connectionId)
    if (c && c.state === 'open') c.lastActiveAt = this.#now()
  }

  state(connectionId: string): ConnectionState | undefined {
    return this.#connections.get(connectionId)?.state
  }

  /** Live connection ids, in the order they connected. */
  openIds(): string[] {
    const ids: string[] = []
    for (const c of this.#connections.values()) if (c.state === 'open') ids.push(c.connectionId)
    return ids
  }

  #live(connectionId: string): ModelConnection {
    const c = this.#connections.get(connectionId)
    // Unknown, closed and not-yet-connected (still in $connect) all answer 410.
    if (c?.state !== 'open') throw new GoneError(undefined, { connectionId })
    return c
  }

  post(connectionId: string, data: Uint8Array): void {
    if (data.byteLength > MAX_MESSAGE_BYTES) {
      throw new PayloadTooLargeError(
        `Message is ${data.byteLength} bytes; the limit is ${MAX_MESSAGE_BYTES}`,
        {
          connectionId,
        },
      )
    }
    this.#live(connectionId)
    this.hooks.deliver?.(connectionId, data)
  }

  get(connectionId: string): ConnectionInfo {
    const c = this.#live(connectionId)
    const info: ConnectionInfo = {
      connectionId,
      connectedAt: new Date(c.connectedAt),
      lastActiveAt: new Date(c.lastActiveAt),
      sourceIp: c.sourceIp,
    }
    if (c.userAgent !== undefined) info.userAgent = c.userAgent
    return info
  }

  delete(connectionId: string): void {
    const c = this.#live(connectionId)
    this.#close(c)
    this.hooks.close?.(connectionId)
  }
}
