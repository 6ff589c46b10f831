import { encodeClientFrame } from '../protocol/frames.js'
import type { Conn, Pending, Queued } from './conn.js'
import { ClientError, RequestTimeoutError } from './errors.js'
import { randomId } from './socket.js'

// Requests waiting for their replies, matched by id, each with a deadline. A request
// belongs to the client, not to a connection: when the connection it went out on closes
// before the reply, it is sent again on the next one (or fails, if it may not be).

export interface RequestHooks {
  /** A request timed out: it leaves the send queue before it is rejected. */
  timedOut(p: Pending): void
  /** Requests were answered or timed out: a connection being drained may be done. */
  settled(): void
}

export class Requests {
  readonly #pending = new Map<string, Pending>()
  readonly #prefix = randomId().slice(0, 10)
  #n = 0
  #sweep: ReturnType<typeof setTimeout> | undefined
  #sweepAt: number | undefined

  constructor(readonly hooks: RequestHooks) {}

  /** Registers a request under a fresh id; the caller sends its `text`. */
  add(
    action: string,
    data: unknown,
    how: Pick<Pending, 'resolve' | 'reject' | 'resend' | 'timeout'>,
  ): Pending {
    const id = `${this.#prefix}.${++this.#n}`
    const p: Pending = {
      id,
      action,
      text: encodeClientFrame(action, data, id),
      resolve: how.resolve,
      reject: how.reject,
      resend: how.resend,
      deadline: Date.now() + how.timeout,
      timeout: how.timeout,
    }
    this.#pending.set(id, p)
    if (this.#sweepAt === undefined || p.deadline < this.#sweepAt) this.#schedule(p.deadline)
    return p
  }

  /** Forgets a request that could not be sent; its caller rejects it. */
  forget(id: string): void {
    this.#pending.delete(id)
  }

  /** Answers a request once: a reply that came twice, or after the timeout, finds nothing. */
  settle(id: string, how: (p: Pending) => void): void {
    const p = this.#pending.get(id)
    if (!p) return
    this.#pending.delete(id)
    if (this.#pending.size === 0) {
      clearTimeout(this.#sweep)
      this.#sweep = this.#sweepAt = undefined
    }
    how(p)
    this.hooks.settled()
  }

  /** Whether a reply is still owed on `conn`. */
  owes(conn: Conn): boolean {
    for (const p of this.#pending.values()) if (p.conn === conn) return true
    return false
  }

  /** The request that has waited longest on `conn`. */
  oldestOn(conn: Conn): Pending | undefined {
    return [...this.#pending.values()].find((p) => p.conn === conn)
  }

  /**
   * Requests still owed on a closed connection: those that may be sent again are
   * returned in their order, for the front of the queue; the others fail.
   */
  release(conn: Conn): Queued[] {
    const again: Queued[] = []
    for (const p of this.#pending.values()) {
      if (p.conn !== conn) continue
      p.conn = undefined
      if (p.resend) again.push({ text: p.text, request: p })
      else {
        this.#pending.delete(p.id)
        p.reject(new ClientError('connection_lost', `the connection closed before ${p.action} was answered`))
      }
    }
    return again
  }

  /** Fails every request: the client closed. */
  failAll(error: Error): void {
    clearTimeout(this.#sweep)
    for (const p of this.#pending.values()) p.reject(error)
    this.#pending.clear()
  }

  // One timer for every request's timeout rather than one each: a request then costs no
  // timer of its own, which is most of what a closed loop of requests spends here.
  #schedule(at: number): void {
    clearTimeout(this.#sweep)
    this.#sweepAt = at
    this.#sweep = setTimeout(() => this.#expire(), Math.max(0, at - Date.now()))
  }

  #expire(): void {
    this.#sweep = this.#sweepAt = undefined
    const now = Date.now()
    let next = Number.POSITIVE_INFINITY
    for (const p of [...this.#pending.values()]) {
      if (p.deadline > now) {
        next = Math.min(next, p.deadline)
        continue
      }
      this.#pending.delete(p.id)
      this.hooks.timedOut(p)
      p.reject(new RequestTimeoutError(p.action, p.timeout))
    }
    if (next !== Number.POSITIVE_INFINITY) this.#schedule(next)
    this.hooks.settled()
  }
}
