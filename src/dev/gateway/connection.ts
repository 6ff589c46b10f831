import { isUtf8 } from 'node:buffer'
import type { WebSocket } from 'ws'
import type { ApiInfo, ConnectionFacts } from '../../events/websocket.js'
import { MAX_FRAME_BYTES } from '../options.js'

// One live WebSocket connection: its fixed facts, its socket, the queue that keeps
// its events in order, and its idle and lifetime timers.

export interface CloseInfo {
  code: number
  reason: string
}

export const GOING_AWAY: CloseInfo = { code: 1001, reason: 'Going away' }

// What $disconnect reports for closes the client (or the network) caused (semantics page, section 5).
export function clientCloseInfo(code: number, reason: string): CloseInfo {
  if (code === 1005) return { code, reason: 'Client-side close frame status not set' }
  if (code === 1006) return { code, reason: reason || 'Connection closed abnormally' }
  return { code, reason }
}

const OPEN = 1

/**
 * How long a close the gateway started waits for the client's close frame before the
 * socket is cut. `ws` waits 30 s, so a half-open client's `$disconnect` came 30 s late;
 * API Gateway fires it promptly.
 */
export const CLOSE_HANDSHAKE_MS = 1_000

export class Connection {
  /** Set when the gateway started the close: what $disconnect reports. */
  closedBy: CloseInfo | undefined
  #chain: Promise<void> = Promise.resolve()
  readonly #idle: NodeJS.Timeout
  readonly #lifetime: NodeJS.Timeout
  readonly #onError: (error: unknown) => void

  constructor(
    readonly facts: ConnectionFacts,
    readonly api: ApiInfo,
    readonly socket: WebSocket,
    timers: {
      idleMs: number
      lifetimeMs: number
      onExpire: (which: 'idle' | 'lifetime') => void
      /** A failure inside the gateway's own handling (not a handler's): logged, never fatal. */
      onError?: (error: unknown) => void
    },
  ) {
    this.#onError = timers.onError ?? (() => {})
    // Unref'd: a forgotten connection never keeps the process alive on its own.
    this.#idle = setTimeout(() => timers.onExpire('idle'), timers.idleMs).unref()
    this.#lifetime = setTimeout(() => timers.onExpire('lifetime'), timers.lifetimeMs).unref()
  }

  get id(): string {
    return this.facts.connectionId
  }

  get open(): boolean {
    return this.closedBy === undefined && this.socket.readyState === OPEN
  }

  /** Data went either way: the idle clock starts again. */
  activity(): void {
    this.#idle.refresh()
  }

  /** Runs tasks one after another, so a connection's events reach handlers in order. */
  enqueue(task: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(task).catch((error) => this.#onError(error))
    return this.#chain
  }

  /**
   * Sends one message: a text frame when the bytes are UTF-8, else a binary one, split
   * into frames of at most 32 KB as API Gateway does.
   */
  send(data: Uint8Array | string): void {
    const bytes =
      typeof data === 'string'
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const binary = !isUtf8(bytes)
    if (bytes.length <= MAX_FRAME_BYTES) this.socket.send(bytes, { binary })
    else {
      for (let at = 0; at < bytes.length; at += MAX_FRAME_BYTES) {
        const end = Math.min(at + MAX_FRAME_BYTES, bytes.length)
        this.socket.send(bytes.subarray(at, end), { binary, fin: end === bytes.length })
      }
    }
    this.activity()
  }

  /** The gateway closes the connection; the first reason wins. */
  close(info: CloseInfo): void {
    if (this.closedBy) return
    this.closedBy = info
    this.stopTimers()
    if (this.socket.readyState !== OPEN) {
      this.socket.terminate()
      return
    }
    this.socket.close(info.code, info.reason)
    const cut = setTimeout(() => this.socket.terminate(), CLOSE_HANDSHAKE_MS).unref()
    this.socket.once('close', () => clearTimeout(cut))
  }

  stopTimers(): void {
    clearTimeout(this.#idle)
    clearTimeout(this.#lifetime)
  }
}
