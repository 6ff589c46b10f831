import { AWS_ERROR_CODES, encodeClientFrame, readServerFrame, SESSION_PARAM } from '../protocol/frames.js'
import { Conn, NORMAL, type Push, type Queued, RecentIds } from './conn.js'
import { Emitter } from './emitter.js'
import { ClientClosedError, ClientError, ConnectError, GatewayError, ServerError } from './errors.js'
import { SendQueue } from './queue.js'
import { Requests } from './requests.js'
import { resumeSession } from './resume.js'
import {
  handshakeFailure,
  isOffline,
  isOpen,
  randomId,
  socketClass,
  watchOnline,
  withParam,
} from './socket.js'
import { backoffDelay, startTimers } from './timers.js'
import type {
  Client,
  ClientEvents,
  ClientOptions,
  ConnectReason,
  Link,
  RequestOptions,
  RouteMap,
  UrlSource,
} from './types.js'

// One client, many connections over its life: a connection is opened, readied by the
// user's onConnect hook, used, and replaced (after a close, or ahead of API Gateway's
// 2-hour limit). This file is that life; sends wait in a bounded queue (queue.ts) while
// no connection is ready, and requests are matched to replies by id (requests.ts) and
// sent again on the next connection if the one they went out on closed first.

const GOING_AWAY = 1001
/** A connection that lived less than this before a 1001 reconnects with backoff, not at once. */
const STABLE_MS = 200

export class SocketeerClient<R extends RouteMap = RouteMap, M = unknown> implements Client<R, M> {
  readonly session: string | undefined
  readonly #source: UrlSource
  readonly #o: ClientOptions<R>
  readonly #events = new Emitter<M>()
  readonly #queue = new SendQueue(() => this.#o.queueLimit ?? 1000)
  readonly #requests = new Requests({
    timedOut: (p) => this.#queue.remove(p),
    settled: () => this.#drained(),
  })
  readonly #seen = new RecentIds(() => this.#o.dedupeWindow ?? 1000)
  /** Error frames' request ids, to drop API Gateway's frame that follows a crash. */
  readonly #failed = new RecentIds(() => 32)
  /** Handshakes in a row that failed with no reason the platform could tell (a browser's every failure). */
  #unexplained = 0
  #active: Conn | undefined
  #next: Conn | undefined
  /** A rotated-out connection whose replies are awaited before the queue moves on. */
  #draining: { conn: Conn; timer: ReturnType<typeof setTimeout> } | undefined
  #attempt = 0
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  #offline = isOffline()
  readonly #unwatch: () => void

  constructor(source: UrlSource, options: ClientOptions<R> = {}) {
    if (typeof source !== 'string' && typeof source !== 'function')
      throw new TypeError('createClient(url): url must be a string or a function returning one')
    this.#source = source
    this.#o = options
    this.session = options.session === false ? undefined : (options.session ?? randomId())
    this.#unwatch = watchOnline((online) => this.#online(online))
    void this.#open('initial')
  }

  get connected(): boolean {
    return this.#active !== undefined && isOpen(this.#active.socket)
  }

  on<E extends keyof ClientEvents<M>>(event: E, listener: ClientEvents<M>[E]): () => void {
    return this.#events.on(event, listener)
  }

  send<K extends keyof R & string>(action: K, ...[data]: [R[K]['data']?]): void {
    if (this.#closed) throw new ClientClosedError()
    this.#queue.write(this.#sendable, { text: encodeClientFrame(action, data) })
  }

  request<K extends keyof R & string>(
    action: K,
    ...[data, options]: [R[K]['data']?, RequestOptions?]
  ): Promise<R[K]['reply']> {
    return this.#request(action, data, options)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#retryTimer)
    this.#unwatch()
    if (this.#draining) clearTimeout(this.#draining.timer)
    for (const conn of [this.#active, this.#next, this.#draining?.conn]) conn?.drop(NORMAL)
    this.#active = this.#next = this.#draining = undefined
    this.#requests.failAll(new ClientClosedError())
    this.#queue.clear()
    this.#emit('close', { code: NORMAL, reason: 'closed by the client', willReconnect: false })
  }

  /** The connection application sends may go out on now: none while one is being drained. */
  get #sendable(): Conn | undefined {
    return this.#draining ? undefined : this.#active
  }

  #request(action: string, data: unknown, options: RequestOptions = {}, conn?: Conn): Promise<any> {
    if (this.#closed) return Promise.reject(new ClientClosedError())
    const timeout = options.timeout ?? this.#o.requestTimeoutMs ?? 30_000
    return new Promise((resolve, reject) => {
      const p = this.#requests.add(action, data, { resolve, reject, resend: options.resend ?? true, timeout })
      try {
        const q: Queued = { text: p.text, request: p }
        if (conn) conn.send(q)
        else this.#queue.write(this.#sendable, q)
      } catch (error) {
        this.#requests.forget(p.id)
        reject(error)
      }
    })
  }

  async #url(): Promise<string> {
    const url = typeof this.#source === 'function' ? await this.#source() : this.#source
    if (typeof url !== 'string') throw new TypeError('the url function must return a string')
    return this.session === undefined ? url : withParam(url, SESSION_PARAM, this.session)
  }

  async #open(reason: ConnectReason): Promise<void> {
    if (this.#closed || this.#next || this.#offline) return
    const conn = new Conn(reason)
    this.#next = conn
    try {
      const [Socket, url] = await Promise.all([socketClass(this.#o.WebSocket), this.#url()])
      if (this.#closed || this.#next !== conn) return
      conn.socket = new Socket(url, this.#o.protocols)
    } catch (error) {
      if (this.#next !== conn) return
      this.#next = undefined
      this.#emit('error', new ConnectError(error instanceof Error ? error.message : String(error)))
      this.#retry(reason)
      return
    }
    const socket = conn.socket
    socket.onopen = () => void this.#opened(conn)
    socket.onmessage = (event) => this.#receive(conn, event.data)
    socket.onerror = (event) => {
      const why = handshakeFailure(event)
      conn.status ??= why.status
      conn.explained ||= why.explained
    }
    socket.onclose = (event) => void this.#lost(conn, event.code, event.reason)
  }

  async #opened(conn: Conn): Promise<void> {
    conn.opened = Date.now()
    conn.lastSent = conn.opened
    this.#unexplained = 0
    const link: Link<R> = {
      reason: conn.reason,
      send: (action, ...[data]: [unknown?]) => {
        if (!isOpen(conn.socket)) throw new ClientError('connection_lost', 'the connection closed')
        conn.send({ text: encodeClientFrame(action, data) })
      },
      request: ((action: string, data?: unknown, options?: RequestOptions) =>
        this.#request(action, data, { resend: false, ...options }, conn)) as Link<R>['request'],
    }
    const resumed = this.#resume(conn)
    try {
      await this.#o.onConnect?.(link)
    } catch (error) {
      if (!conn.closed) {
        this.#emit(
          'error',
          error instanceof ClientError ? error : new ClientError('on_connect_failed', String(error)),
        )
        conn.drop(4000)
        this.#next = undefined
        this.#retry(conn.reason)
      }
      return
    }
    await resumed
    if (this.#closed || conn.closed || this.#next !== conn) return
    this.#next = undefined
    this.#attempt = 0
    conn.ready = true
    const old = this.#active
    this.#active = conn
    startTimers(conn, this.#o, () => void this.#open('rotate'))
    if (old) this.#retire(old)
    this.#emit('open', { reason: conn.reason, protocol: conn.socket.protocol })
    this.#flush()
  }

  // Not async: the returned promise is resumeSession's own, so `await resumed` above
  // takes no extra turns.
  #resume(conn: Conn): Promise<void> {
    if (this.session === undefined || this.#o.resume === false) return Promise.resolve()
    return resumeSession(conn, this.#o.requestTimeoutMs ?? 30_000, {
      request: (action, timeout) => this.#request(action, undefined, { resend: false, timeout }, conn),
      push: (frame) => this.#push(frame),
      failed: (error) => {
        if (!conn.closed && !this.#closed) this.#emit('error', error)
      },
    })
  }

  #flush(): void {
    this.#queue.flush(this.#sendable)
  }

  /** The old connection stays up until the replies it owes arrived (or drainMs), so nothing overtakes them. */
  #retire(old: Conn): void {
    old.stop()
    const timer = setTimeout(() => this.#finishDrain(), this.#o.drainMs ?? 5_000)
    this.#draining = { conn: old, timer }
    this.#drained()
  }

  #drained(): void {
    const d = this.#draining
    if (!d || this.#requests.owes(d.conn)) return
    this.#finishDrain()
  }

  #finishDrain(): void {
    const d = this.#draining
    if (!d) return
    clearTimeout(d.timer)
    this.#draining = undefined
    d.conn.drop(NORMAL)
    this.#requeue(d.conn)
    this.#flush()
  }

  /** Requests still owed on a closed connection go first in the queue again, or fail. */
  #requeue(conn: Conn): void {
    this.#queue.putFirst(this.#requests.release(conn))
  }

  async #lost(conn: Conn, code: number, reason: string): Promise<void> {
    if (conn.closed) return
    conn.closed = true
    conn.stop()
    this.#requeue(conn)
    if (this.#closed) return
    if (this.#draining?.conn === conn) return this.#finishDrain()
    if (conn === this.#next) {
      // Failed before it was ready: never a tight loop.
      this.#next = undefined
      if (!conn.opened) {
        // A browser never shows a refused handshake's status: after `authErrorAfter`
        // such failures in a row (and every as many after), the credentials are suspect.
        const unexplained = conn.status === undefined && !conn.explained
        this.#unexplained = unexplained ? this.#unexplained + 1 : 0
        const error = new ConnectError(
          conn.status === undefined
            ? `the WebSocket handshake failed (${code})`
            : `the WebSocket handshake was refused with ${conn.status}`,
          conn.status,
          this.#unexplained,
        )
        this.#emit('error', error)
        const after = this.#o.authErrorAfter ?? 2
        if (error.code === 'unauthorized' || (unexplained && after > 0 && this.#unexplained % after === 0)) {
          try {
            await this.#o.onAuthError?.(error)
          } catch (hookError) {
            this.#emit('error', new ClientError('on_auth_error_failed', String(hookError)))
          }
        }
      }
      this.#retry(conn.reason)
      return
    }
    if (conn !== this.#active) return
    this.#active = undefined
    const info = { code, reason, willReconnect: false }
    info.willReconnect = this.#o.shouldReconnect?.(info) ?? true
    this.#emit('close', info)
    if (!info.willReconnect) return this.close()
    // API Gateway's idle and lifetime closes: reconnect at once, unless it keeps happening.
    if (code === GOING_AWAY && Date.now() - conn.opened >= STABLE_MS) {
      this.#emit('reconnect', { attempt: 0, delayMs: 0 })
      void this.#open('reconnect')
    } else this.#retry('reconnect')
  }

  #retry(reason: ConnectReason): void {
    if (this.#closed) return
    this.#attempt++
    const delayMs = backoffDelay(this.#o.backoff, this.#attempt)
    this.#emit('reconnect', { attempt: this.#attempt, delayMs })
    clearTimeout(this.#retryTimer)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      // A failed rotation while the old connection lives tries again; otherwise reconnect.
      void this.#open(reason === 'rotate' && this.#active ? 'rotate' : 'reconnect')
    }, delayMs)
  }

  #online(online: boolean): void {
    this.#offline = !online
    if (!online || this.#closed || this.#active || this.#next) return
    clearTimeout(this.#retryTimer)
    this.#attempt = 0
    void this.#open('reconnect')
  }

  #receive(conn: Conn, raw: unknown): void {
    if (typeof raw !== 'string') return
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch {
      this.#emit('message', raw as M, {})
      return
    }
    const frame = readServerFrame(value)
    if (frame.$ === 'reply') this.#requests.settle(frame.id, (p) => p.resolve(frame.data))
    else if (frame.$ === 'error') {
      const error = new ServerError(frame.error)
      if (frame.id === undefined) this.#emit('error', error)
      else {
        // A crashed handler's invocation fails after this frame: API Gateway's own frame
        // with the same requestId follows, and must not reject another request.
        const requestId = frame.error.requestId
        if (requestId !== undefined) this.#failed.add(requestId)
        this.#requests.settle(frame.id, (p) => p.reject(error))
      }
    } else if (frame.$ === 'push') {
      if (conn.held) conn.held.push(frame)
      else this.#push(frame)
    } else if (frame.$ === 'aws') {
      if (frame.requestId !== undefined && this.#failed.delete(frame.requestId)) return
      const code = AWS_ERROR_CODES[frame.message] as 'internal' | 'forbidden' | 'gateway_timeout'
      const error = new GatewayError(code, frame.message, frame.requestId)
      // AWS does not say which message failed: the oldest request waiting on this connection takes it.
      const oldest = this.#requests.oldestOn(conn)
      if (oldest) this.#requests.settle(oldest.id, (p) => p.reject(error))
      else this.#emit('error', error)
    } else this.#emit('message', frame.data as M, {})
  }

  #push(frame: Push): void {
    if (this.#seen.has(frame.id)) return
    this.#seen.add(frame.id)
    const meta = frame.session === undefined ? { id: frame.id } : { id: frame.id, session: frame.session }
    this.#emit('message', frame.data as M, meta)
  }

  #emit<E extends keyof ClientEvents<M>>(event: E, ...args: Parameters<ClientEvents<M>[E]>): void {
    this.#events.emit(event, ...args)
  }
}
