import type { Conn, Pending, Queued } from './conn.js'
import { QueueFullError } from './errors.js'
import { isOpen } from './socket.js'

// Frames waiting, in order, for a connection that may take them: none is open yet, a
// new one is still in its onConnect hook, or a rotated-out one still owes replies. The
// queue is bounded, so an application that sends while offline learns it at once.

export class SendQueue {
  readonly #items: Queued[] = []

  constructor(readonly limit: () => number) {}

  get length(): number {
    return this.#items.length
  }

  /** Sends on `conn` (undefined while no connection may take sends) unless frames wait ahead. */
  write(conn: Conn | undefined, q: Queued): void {
    if (conn && this.#items.length === 0 && isOpen(conn.socket)) {
      conn.send(q)
      return
    }
    const limit = this.limit()
    if (this.#items.length >= limit) throw new QueueFullError(limit)
    this.#items.push(q)
  }

  /** Sends what waits, oldest first, while `conn` stays open. */
  flush(conn: Conn | undefined): void {
    while (conn && this.#items.length > 0 && isOpen(conn.socket)) conn.send(this.#items.shift()!)
  }

  /** Requests a closed connection still owed go first again, in their order. */
  putFirst(items: Queued[]): void {
    this.#items.unshift(...items)
  }

  remove(request: Pending): void {
    const at = this.#items.findIndex((q) => q.request === request)
    if (at !== -1) this.#items.splice(at, 1)
  }

  clear(): void {
    this.#items.length = 0
  }
}
