import { newGatewayId } from '../src/events/ids.js'
import { type ConnectionState, ConnectionsModel } from '../src/management/model.js'
import { createStreamerClient } from '../src/streamer/client.js'
import { normaliseEndpoint } from '../src/streamer/endpoint.js'
import { ForbiddenError, StreamerError } from '../src/streamer/errors.js'
import type { RetryOptions } from '../src/streamer/retry.js'
import type { Transport } from '../src/streamer/transport/types.js'
import type { ConnectionInfo, StreamerClient, StreamerFactory } from '../src/streamer/types.js'
import {
  type CallOp,
  callMismatches,
  checkExpectedCall,
  diffCalls,
  type ExpectedCall,
  type FakeCall,
  formatCall,
} from './calls.js'
import { DEFAULT_SOURCE_IP } from './defaults.js'
import { CallAssertionError, TestkitError, UnexpectedCallError } from './errors.js'
import { type FaultSpec, Faults } from './faults.js'
import { afterEvent, beforeEvent } from './lifecycle.js'

// An in-memory @connections service for tests. The semantics (which ids are live,
// 410/413, what GetConnection returns, what a delete does) are the shared model's;
// the client handed to the App is the real streamer client (validation, retries,
// broadcast) over a transport that talks to that model instead of the network. So
// a test exercises the same code paths as production, minus the wire.

export interface FakeStreamerOptions {
  /**
   * Strict (default): a call for a connection id the test never introduced, to an
   * endpoint other than `endpoint`, or that does not match the calls declared with
   * `expect()` throws an UnexpectedCallError naming the call, and is remembered so
   * that `invoke`, `assertCalls` and `verify` fail even if the handler swallowed it.
   * Not strict: such calls are answered as AWS would (410 for unknown ids, 403 for
   * another endpoint).
   */
  strict?: boolean
  /** The management endpoint this fake API serves (e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`); default: any. */
  endpoint?: string
  /** The retry policy of the clients the fake hands out; default 3 attempts without backoff sleeps. */
  retry?: RetryOptions | false
  /** The service's clock (for `connectedAt`, `lastActiveAt`, call times); default Date.now. */
  now?: () => number
}

/** Facts of a connection a test introduces; unset ones get realistic defaults. */
export interface ConnectionSetup {
  connectedAt?: number
  lastActiveAt?: number
  sourceIp?: string
  userAgent?: string
}

const decoder = new TextDecoder()

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export class FakeStreamer {
  readonly model: ConnectionsModel
  readonly strict: boolean
  /** The endpoint this fake serves, normalised; undefined = any. */
  readonly endpoint: string | undefined
  readonly #now: () => number
  readonly #retry: RetryOptions | false
  readonly #calls: FakeCall[] = []
  readonly #violations: UnexpectedCallError[] = []
  readonly #received = new Map<string, Uint8Array[]>()
  readonly #faults = new Faults()
  readonly #clients = new Map<string, StreamerClient>()
  #expected: ExpectedCall[] | undefined
  #expectIndex = 0

  constructor(options: FakeStreamerOptions = {}) {
    this.strict = options.strict ?? true
    this.endpoint = options.endpoint === undefined ? undefined : normaliseEndpoint(options.endpoint)
    this.#now = options.now ?? Date.now
    this.#retry = options.retry ?? { maxAttempts: 3, baseDelayMs: 0 }
    this.model = new ConnectionsModel({
      now: this.#now,
      hooks: {
        deliver: (id, data) => {
          const list = this.#received.get(id)
          if (list) list.push(data)
          else this.#received.set(id, [data])
        },
      },
    })
  }

  /** Use as the App's `streamer` option: `new App({ streamer: fake.factory })`. */
  readonly factory: StreamerFactory = (endpoint) => this.client(endpoint)

  /** A streamer client for one endpoint (default: the fake's own); one per endpoint, reused. */
  client(endpoint: string | undefined = this.endpoint): StreamerClient {
    if (endpoint === undefined) {
      throw new TestkitError(
        'fake.client() needs an endpoint: pass one, or give the FakeStreamer an endpoint',
      )
    }
    const key = normaliseEndpoint(endpoint)
    let client = this.#clients.get(key)
    if (!client) {
      client = createStreamerClient({ endpoint: key, retry: this.#retry, transport: this.#transport(key) })
      this.#clients.set(key, client)
    }
    return client
  }

  // ---- connections -------------------------------------------------------------

  #introduce(id: string | undefined, setup: ConnectionSetup): string {
    const connectionId = id ?? newGatewayId()
    if (typeof connectionId !== 'string' || connectionId.length === 0) {
      throw new TestkitError(`a connection id must be a non-empty string, got ${JSON.stringify(id)}`)
    }
    if (this.model.state(connectionId) !== undefined) {
      throw new TestkitError(`connection ${connectionId} already exists (API Gateway never reuses ids)`)
    }
    const connectedAt = setup.connectedAt ?? this.#now()
    const facts: Parameters<ConnectionsModel['begin']>[0] = {
      connectionId,
      connectedAt,
      lastActiveAt: setup.lastActiveAt ?? connectedAt,
      sourceIp: setup.sourceIp ?? DEFAULT_SOURCE_IP,
    }
    if (setup.userAgent !== undefined) facts.userAgent = setup.userAgent
    this.model.begin(facts)
    return connectionId
  }

  /** A live connection; returns its id (generated in API Gateway's format when not given). */
  connect(id?: string, setup: ConnectionSetup = {}): string {
    const connectionId = this.#introduce(id, setup)
    this.model.accept(connectionId)
    return connectionId
  }

  /** A handshake in progress: `$connect` has not returned yet, so calls for it are 410. */
  connecting(id?: string, setup: ConnectionSetup = {}): string {
    return this.#introduce(id, setup)
  }

  /** A stale id: it existed and is closed now, so calls for it are 410. */
  gone(id?: string, setup: ConnectionSetup = {}): string {
    const connectionId = this.#introduce(id, setup)
    this.model.end(connectionId)
    return connectionId
  }

  /** The client went away (closed the socket): later calls for the id are 410. */
  close(connectionId: string): void {
    if (this.model.state(connectionId) === undefined) {
      throw new TestkitError(`cannot close ${connectionId}: the fake has never seen it`)
    }
    this.model.end(connectionId)
  }

  state(connectionId: string): ConnectionState | undefined {
    return this.model.state(connectionId)
  }

  /** What a connection received, as UTF-8 text, in order. */
  received(connectionId: string): string[] {
    return this.receivedBytes(connectionId).map((b) => decoder.decode(b))
  }
  receivedBytes(connectionId: string): Uint8Array[] {
    return [...(this.#received.get(connectionId) ?? [])]
  }
  /** What a connection received, each message parsed as JSON. */
  receivedJSON<T = unknown>(connectionId: string): T[] {
    return this.received(connectionId).map((text, i) => {
      try {
        return JSON.parse(text) as T
      } catch {
        throw new TestkitError(
          `message #${i} to ${connectionId} is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
        )
      }
    })
  }

  // ---- faults and expectations ----------------------------------------------------

  /** Answers matching calls with an error and/or a delay; see FaultSpec. */
  fail(spec: FaultSpec): this {
    this.#faults.add(spec)
    return this
  }
  /** 429 for the next `times` matching calls, then normal answers. */
  throttle(
    times = 1,
    match: Pick<FaultSpec, 'op' | 'connectionId' | 'endpoint' | 'retryAfterMs'> = {},
  ): this {
    return this.fail({ ...match, status: 429, times })
  }
  /** Delays every matching call (or the next `times`). */
  latency(ms: number, match: Pick<FaultSpec, 'op' | 'connectionId' | 'endpoint' | 'times'> = {}): this {
    return this.fail({ ...match, latencyMs: ms })
  }

  /**
   * Declares the calls the test plans, in order. From then on (strict mode) every
   * call must match the next declared one (op, connection id, endpoint, data; not
   * the outcome), or it fails with an UnexpectedCallError. `verify()` reports
   * declared calls that never came.
   */
  expect(...calls: ExpectedCall[]): this {
    for (const [i, c] of calls.entries()) checkExpectedCall(c, `fake.expect() call #${i}`)
    this.#expected = [...(this.#expected ?? []), ...calls]
    return this
  }

  // ---- what happened -------------------------------------------------------------

  /** Every request that reached the service, in arrival order. */
  get calls(): FakeCall[] {
    return [...this.#calls]
  }
  /** Strict-mode violations so far. */
  get violations(): UnexpectedCallError[] {
    return [...this.#violations]
  }

  /** Compares the recorded calls with `expected`, exactly in number and order; throws a diff. */
  assertCalls(expected: ExpectedCall[]): void {
    const lines = diffCalls(this.#calls, expected)
    const problems = this.#violations.map((v) => `violation: ${v.message}`)
    if (lines.length > 0 || problems.length > 0) {
      throw new CallAssertionError(['FakeStreamer.assertCalls failed', ...problems, ...lines].join('\n  '))
    }
  }

  /** Throws if a strict-mode violation happened, a declared call never came, or a finite fault went unused. */
  verify(): void {
    const problems = this.#violations.map((v) => `violation: ${v.message}`)
    const pending = this.#expected?.slice(this.#expectIndex) ?? []
    for (const p of pending) problems.push(`expected call never made: ${formatCall(p)}`)
    for (const f of this.#faults.unspent()) problems.push(`fault never triggered: ${JSON.stringify(f)}`)
    if (problems.length > 0)
      throw new CallAssertionError(['FakeStreamer.verify failed', ...problems].join('\n  '))
  }

  /** Forgets recorded calls and violations (connections, faults and expectations stay). */
  clearCalls(): void {
    this.#calls.length = 0
    this.#violations.length = 0
  }

  /** Forgets calls, violations, faults, expectations and received messages (connections stay). */
  reset(): void {
    this.clearCalls()
    this.#faults.clear()
    this.#received.clear()
    this.#expected = undefined
    this.#expectIndex = 0
  }

  /** @internal used by `invoke`: what an event tells the model about its connection. */
  beforeEvent(event: unknown): void {
    beforeEvent(this.model, event)
  }
  /** @internal */
  afterEvent(event: unknown, outcome: { result?: unknown; error?: unknown }): void {
    afterEvent(this.model, event, outcome)
  }

  // ---- the service ---------------------------------------------------------------

  #transport(endpoint: string): Transport {
    return {
      post: async (id, data, signal) => {
        await this.#serve('post', endpoint, id, data, signal)
      },
      get: (id, signal) => this.#serve('get', endpoint, id, undefined, signal) as Promise<ConnectionInfo>,
      delete: async (id, signal) => {
        await this.#serve('delete', endpoint, id, undefined, signal)
      },
    }
  }

  #violation(call: FakeCall): UnexpectedCallError | undefined {
    if (!this.strict) return undefined
    const what = `${call.op} for ${call.connectionId} at ${call.endpoint}`
    const ref = { op: call.op, endpoint: call.endpoint, connectionId: call.connectionId }
    if (this.endpoint !== undefined && call.endpoint !== this.endpoint) {
      return new UnexpectedCallError(
        `unexpected ${what}: this fake serves ${this.endpoint} (check the App's managementEndpoint/basePath; AWS would answer 403)`,
        ref,
      )
    }
    if (this.model.state(call.connectionId) === undefined) {
      return new UnexpectedCallError(
        `unexpected ${what}: the test never introduced connection ${call.connectionId} ` +
          '(fake.connect(id) for a live one, fake.gone(id) for a stale one, or { strict: false } to answer 410 like AWS)',
        ref,
      )
    }
    if (this.#expected !== undefined) {
      const next = this.#expected[this.#expectIndex]
      if (!next) {
        return new UnexpectedCallError(
          `unexpected ${what}: all ${this.#expected.length} expected call(s) were already made`,
          ref,
        )
      }
      const diff = callMismatches(call, next, false)
      if (diff.length > 0) {
        return new UnexpectedCallError(
          `unexpected ${what}: expected call #${this.#expectIndex} is ${formatCall(next)} (${diff.join('; ')})`,
          ref,
        )
      }
      this.#expectIndex++
    }
    return undefined
  }

  async #serve(
    op: CallOp,
    endpoint: string,
    connectionId: string,
    bytes: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ConnectionInfo | undefined> {
    const call: FakeCall = { op, endpoint, connectionId, status: 0, at: this.#now() }
    if (bytes) {
      call.bytes = Uint8Array.from(bytes)
      call.data = decoder.decode(bytes)
    }
    this.#calls.push(call)
    const violation = this.#violation(call)
    if (violation) {
      call.error = 'UnexpectedCall'
      this.#violations.push(violation)
      throw violation
    }
    try {
      if (this.endpoint !== undefined && endpoint !== this.endpoint) {
        throw new ForbiddenError('Forbidden', { connectionId })
      }
      const fault = this.#faults.decide(op, endpoint, connectionId)
      if (fault.latencyMs > 0) await sleep(fault.latencyMs, signal)
      if (fault.error) throw fault.error
      switch (op) {
        case 'post':
          this.model.post(connectionId, call.bytes ?? new Uint8Array(0))
          call.status = 200
          return undefined
        case 'get': {
          const info = this.model.get(connectionId)
          call.status = 200
          return info
        }
        case 'delete':
          this.model.delete(connectionId)
          call.status = 204
          return undefined
      }
    } catch (error) {
      if (error instanceof StreamerError) {
        call.status = error.status
        call.error = error.code
      } else call.error = (error as Error | undefined)?.name ?? 'Error'
      throw error
    }
  }
}
