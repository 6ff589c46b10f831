import {
  AWS_ERROR_CODES,
  encodeClientFrame,
  KEEPALIVE_ACTION,
  RESUME_ACTION,
  readResumeReply,
  readServerFrame,
  SESSION_PARAM,
} from '../protocol/frames.js'
import { Conn, type Pending, type Push, type Queued, RecentIds } from './conn.js'
import {
  ClientClosedError,
  ClientError,
  ConnectError,
  GatewayError,
  QueueFullError,
  RequestTimeoutError,
  ServerError,
} from './errors.js'
import {
  handshakeFailure,
  isOffline,
  isOpen,
  randomId,
  socketClass,
  watchOnline,
  withParam,
} from './socket.js'
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
// 2-hour limit). Sends wait in a bounded queue while no connection is ready; requests
// are matched to replies by id and sent again on the next connection if the one they
// went out on closed first.

const NORMAL = 1000
const GOING_AWAY = 1001
/** A connection that lived less than this before a 1001 reconnects with backoff, not at once. */
const STABLE_MS = 200

const listenerError = (error: unknown) => {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError
  if (report) report(error)
  else console.error(error)
}

export class SocketeerClient<R extends RouteMap = RouteMap, M = unknown> implements Client<R, M> {
  readonly session: string | undefined
  readonly #source: UrlSource
  readonly #o: ClientOptions<R>
  readonly #listeners = new Map<string, Set<(...args: any[]) => void>>()
  readonly #queue: Queued[] = []
  readonly #pending = new Map<string, Pending>()
  readonly #seen = new RecentIds(() => this.#o.dedupeWindow ?? 1000)
  /** Error frames' request ids, to drop API Gateway's frame that follows a crash. */
  readonly #failed = new RecentIds(() => 32)
  /** Handshakes in a row that failed with no reason the platform could tell (a browser's every failure). */
  #unexplained = 0
  readonly #prefix = randomId().slice(0, 10)
  #n = 0
  #active: Conn | undefined
  #next: Conn | undefined
  /** A rotated-out connection whose replies are awaited before the queue moves on. */
  #draining: { conn: Conn; timer: ReturnType<typeof setTimeout> } | undefined
  #attempt = 0
  #sweep: ReturnType<typeof setTimeout> | undefined
  #sweepAt: number | undefined
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
    let set = this.#listeners.get(event)
    if (!set) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }

  send<K extends keyof R & string>(action: K, ...[data]: [R[K]['data']?]): void {
    if (this.#closed) throw new ClientClosedError()
    this.#write({ text: encodeClientFrame(action, data) })
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
    for (const conn of [this.#active, this.#next, this.#draining?.conn]) if (conn) this.#drop(conn, NORMAL)
    this.#active = this.#next = this.#draining = undefined
    const error = new ClientClosedError()
    clearTimeout(this.#sweep)
    for (const p of this.#pending.values()) p.reject(error)
    this.#pending.clear()
    this.#queue.length = 0
    this.#emit('close', { code: NORMAL, reason: 'closed by the client', willReconnect: false })
  }

  #request(action: string, data: unknown, options: RequestOptions = {}, conn?: Conn): Promise<any> {
    if (this.#closed) return Promise.reject(new ClientClosedError())
    const id = `${this.#prefix}.${++this.#n}`
    const timeout = options.timeout ?? this.#o.requestTimeoutMs ?? 30_000
    return new Promise((resolve, reject) => {
      const p: Pending = {
        id,
        action,
        text: encodeClientFrame(action, data, id),
        resolve,
        reject,
        resend: options.resend ?? true,
        deadline: Date.now() + timeout,
        timeout,
      }
      this.#pending.set(id, p)
      if (this.#sweepAt === undefined || p.deadline < this.#sweepAt) this.#schedule(p.deadline)
      try {
        if (conn) this.#transmit(conn, { text: p.text, request: p })
        else this.#write({ text: p.text, request: p })
      } catch (error) {
        this.#pending.delete(id)
        reject(error)
      }
    })
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
      const at = this.#queue.findIndex((q) => q.request === p)
      if (at !== -1) this.#queue.splice(at, 1)
      p.reject(new RequestTimeoutError(p.action, p.timeout))
    }
    if (next !== Number.POSITIVE_INFINITY) this.#schedule(next)
    this.#drained()
  }

  #write(q: Queued): void {
    const conn = this.#active
    if (conn && !this.#draining && this.#queue.length === 0 && isOpen(conn.socket)) {
      this.#transmit(conn, q)
      return
    }
    const limit = this.#o.queueLimit ?? 1000
    if (this.#queue.length >= limit) throw new QueueFullError(limit)
    this.#queue.push(q)
  }

  #transmit(conn: Conn, q: Queued): void {
    conn.socket.send(q.text)
    conn.lastSent = Date.now()
    if (q.request) q.request.conn = conn
  }

  #flush(): void {
    const conn = this.#active
    while (conn && !this.#draining && this.#queue.length > 0 && isOpen(conn.socket))
      this.#transmit(conn, this.#queue.shift()!)
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
        this.#transmit(conn, { text: encodeClientFrame(action, data) })
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
        this.#drop(conn, 4000)
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
    this.#timers(conn)
    if (old) this.#retire(old)
    this.#emit('open', { reason: conn.reason, protocol: conn.socket.protocol })
    this.#flush()
  }

  /**
   * Asks the App for the session's pushes held while no connection took them (pages of
   * them), before the live pushes that arrive meanwhile. On every connection, the first
   * too: a `$connect` handler may push to the session it is accepting, which no
   * connection can take yet.
   */
  async #resume(conn: Conn): Promise<void> {
    if (this.session === undefined || this.#o.resume === false) return
    conn.held = []
    try {
      const timeout = Math.min(this.#o.requestTimeoutMs ?? 30_000, 10_000)
      for (let page = 0; page < 1000; page++) {
        const data = await this.#request(RESUME_ACTION, undefined, { resend: false, timeout }, conn)
        const reply = readResumeReply(data)
        for (const frame of reply.messages) this.#push(frame)
        if (!reply.more || reply.messages.length === 0) break
      }
    } catch (error) {
      if (!conn.closed && !this.#closed)
        this.#emit(
          'error',
          new ClientError(
            'resume_failed',
            `messages held for the session were not fetched: ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
    } finally {
      const live = conn.held
      conn.held = undefined
      for (const frame of live) this.#push(frame)
    }
  }

  #timers(conn: Conn): void {
    const every = this.#o.keepaliveMs ?? 8 * 60_000
    if (every > 0) {
      const tick = () => {
        const due = conn.lastSent + every - Date.now()
        if (due <= 0 && isOpen(conn.socket)) {
          this.#transmit(conn, {
            text: encodeClientFrame(this.#o.keepaliveAction ?? KEEPALIVE_ACTION, undefined),
          })
          conn.keepalive = setTimeout(tick, every)
        } else conn.keepalive = setTimeout(tick, Math.max(due, 10))
      }
      conn.keepalive = setTimeout(tick, every)
    }
    const rotate = this.#o.rotateAfterMs ?? 110 * 60_000
    if (rotate > 0) conn.rotate = setTimeout(() => void this.#open('rotate'), rotate)
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
    if (!d) return
    for (const p of this.#pending.values()) if (p.conn === d.conn) return
    this.#finishDrain()
  }

  #finishDrain(): void {
    const d = this.#draining
    if (!d) return
    clearTimeout(d.timer)
    this.#draining = undefined
    this.#drop(d.conn, NORMAL)
    this.#requeue(d.conn)
    this.#flush()
  }

  /** Closes a connection on purpose: its close event changes nothing. */
  #drop(conn: Conn, code: number): void {
    conn.stop()
    conn.closed = true
    const s = conn.socket
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

  /** Requests still owed on a closed connection go first in the queue again, or fail. */
  #requeue(conn: Conn): void {
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
    this.#queue.unshift(...again)
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
    const b = this.#o.backoff ?? {}
    const initial = b.initialMs ?? 500
    const cap = b.maxMs ?? 30_000
    this.#attempt++
    const ceiling = Math.min(cap, initial * (b.factor ?? 2) ** (this.#attempt - 1))
    // Equal jitter: never less than half the step, so clients that lost one gateway spread out.
    const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
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
    if (frame.$ === 'reply') this.#settle(frame.id, (p) => p.resolve(frame.data))
    else if (frame.$ === 'error') {
      const error = new ServerError(frame.error)
      if (frame.id === undefined) this.#emit('error', error)
      else {
        // A crashed handler's invocation fails after this frame: API Gateway's own frame
        // with the same requestId follows, and must not reject another request.
        const requestId = frame.error.requestId
        if (requestId !== undefined) this.#failed.add(requestId)
        this.#settle(frame.id, (p) => p.reject(error))
      }
    } else if (frame.$ === 'push') {
      if (conn.held) conn.held.push(frame)
      else this.#push(frame)
    } else if (frame.$ === 'aws') {
      if (frame.requestId !== undefined && this.#failed.delete(frame.requestId)) return
      const code = AWS_ERROR_CODES[frame.message] as 'internal' | 'forbidden' | 'gateway_timeout'
      const error = new GatewayError(code, frame.message, frame.requestId)
      // AWS does not say which message failed: the oldest request waiting on this connection takes it.
      const oldest = [...this.#pending.values()].find((p) => p.conn === conn)
      if (oldest) this.#settle(oldest.id, (p) => p.reject(error))
      else this.#emit('error', error)
    } else this.#emit('message', frame.data as M, {})
  }

  #push(frame: Push): void {
    if (this.#seen.has(frame.id)) return
    this.#seen.add(frame.id)
    const meta = frame.session === undefined ? { id: frame.id } : { id: frame.id, session: frame.session }
    this.#emit('message', frame.data as M, meta)
  }

  #settle(id: string, how: (p: Pending) => void): void {
    const p = this.#pending.get(id)
    if (!p) return // answered already (a reply that came twice), or timed out
    this.#pending.delete(id)
    if (this.#pending.size === 0) {
      clearTimeout(this.#sweep)
      this.#sweep = this.#sweepAt = undefined
    }
    how(p)
    this.#drained()
  }

  #emit<E extends keyof ClientEvents<M>>(event: E, ...args: Parameters<ClientEvents<M>[E]>): void {
    const set = this.#listeners.get(event)
    if (!set) return
    for (const fn of [...set]) {
      try {
        fn(...args)
      } catch (error) {
        listenerError(error)
      }
    }
  }
}
