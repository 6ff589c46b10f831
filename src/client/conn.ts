import type { ServerFrame } from '../protocol/frames.js'
import type { ConnectReason, SocketLike } from './types.js'

// What the client keeps per connection and per request in flight.

export const NORMAL = 1000

export interface Pending {
  id: string
  action: string
  text: string
  resolve: (value: any) => void
  reject: (error: unknown) => void
  /** When it times out (epoch ms); one timer for all requests checks these. */
  deadline: number
  timeout: number
  resend: boolean
  conn?: Conn
}

export type Push = Extract<ServerFrame, { $: 'push' }>

export interface Queued {
  text: string
  request?: Pending
}

export class Conn {
  socket!: SocketLike
  opened = 0
  ready = false
  closed = false
  status: number | undefined
  /** The platform said why the handshake failed (`ws` does; a browser never does). */
  explained = false
  /** While the resume request runs, live pushes wait here so held ones come first. */
  held: Push[] | undefined
  lastSent = 0
  keepalive: ReturnType<typeof setTimeout> | undefined
  rotate: ReturnType<typeof setTimeout> | undefined
  constructor(readonly reason: ConnectReason) {}
  stop(): void {
    clearTimeout(this.keepalive)
    clearTimeout(this.rotate)
  }

  /** Sends a frame now; a request remembers the connection that owes its reply. */
  send(q: Queued): void {
    this.socket.send(q.text)
    this.lastSent = Date.now()
    if (q.request) q.request.conn = this
  }

  /** Closes the connection on purpose: its close event changes nothing. */
  drop(code: number): void {
    this.stop()
    this.closed = true
    const s = this.socket
    if (!s) return
    s.onopen = s.onmessage = s.onclose = null
    // Closing a socket still connecting makes `ws` emit an error: it must have a listener.
    s.onerror = () => {}
    try {
      s.close(code, code === NORMAL ? 'rotated' : undefined)
    } catch {
      // closing a socket that never connected can throw in some runtimes; it is gone either way
    }
  }
}

/** The ids seen last, at most `limit` of them (the oldest forgotten first). */
export class RecentIds {
  readonly #ids = new Set<string>()
  constructor(readonly limit: () => number) {}
  has(id: string): boolean {
    return this.#ids.has(id)
  }
  add(id: string): void {
    this.#ids.add(id)
    if (this.#ids.size > this.limit()) this.#ids.delete(this.#ids.values().next().value as string)
  }
  delete(id: string): boolean {
    return this.#ids.delete(id)
  }
}
