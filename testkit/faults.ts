import { type StreamerError, StreamerNetworkError } from '../src/streamer/errors.js'
import { streamerErrorFor } from '../src/streamer/transport/classify.js'
import type { CallOp } from './calls.js'
import { TestkitError } from './errors.js'

// Programmable faults of the fake @connections service. A fault answers instead of
// the model (or delays it); the typed error comes from the same mapping the real
// client applies to wire answers, so a faulted call fails exactly as AWS would.

export interface FaultSpec {
  /** Only calls of this op (default: any). */
  op?: CallOp
  /** Only calls for this connection (default: any). */
  connectionId?: string
  /** Only calls at this endpoint (default: any). */
  endpoint?: string
  /** Answer with this HTTP status (403, 410, 413, 429, 500, 503...); 0 means the network failed. */
  status?: number
  /** The exception name; defaults to the one AWS uses for the status. */
  code?: string
  message?: string
  /** 429 only: the Retry-After the service suggests. */
  retryAfterMs?: number
  /** How many matching calls this fault answers, then it is spent; default: all of them. */
  times?: number
  /** Delay before the answer (with or without a status). */
  latencyMs?: number
}

interface Active extends FaultSpec {
  remaining: number
  hits: number
}

export interface FaultDecision {
  latencyMs: number
  error?: StreamerError
}

function check(spec: FaultSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new TestkitError('a fault must be an object')
  if (spec.status === undefined && spec.latencyMs === undefined) {
    throw new TestkitError('a fault needs a status (the error to answer with) or latencyMs (a delay)')
  }
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 0 || spec.status > 599)) {
    throw new TestkitError(`fault status must be an HTTP status or 0 (network failure), got ${spec.status}`)
  }
  if (spec.status !== undefined && spec.status >= 200 && spec.status < 300) {
    throw new TestkitError(`fault status ${spec.status} is a success; faults answer with errors`)
  }
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) {
    throw new TestkitError(`fault times must be a positive integer, got ${spec.times}`)
  }
  if (spec.latencyMs !== undefined && !(spec.latencyMs >= 0)) {
    throw new TestkitError(`fault latencyMs must be >= 0, got ${spec.latencyMs}`)
  }
  if (spec.op !== undefined && spec.op !== 'post' && spec.op !== 'get' && spec.op !== 'delete') {
    throw new TestkitError(`fault op must be "post", "get" or "delete", got ${JSON.stringify(spec.op)}`)
  }
}

function errorFor(spec: FaultSpec, status: number, connectionId: string): StreamerError {
  if (status === 0) {
    return new StreamerNetworkError(
      `network error: ${spec.message ?? 'socket hang up (injected fault)'}`,
      spec.code ?? 'NetworkError',
      { connectionId },
    )
  }
  const options =
    spec.retryAfterMs === undefined ? { connectionId } : { connectionId, retryAfterMs: spec.retryAfterMs }
  return streamerErrorFor(status, spec.code, spec.message ?? `injected ${status} fault`, options)
}

export class Faults {
  readonly #faults: Active[] = []

  add(spec: FaultSpec): void {
    check(spec)
    this.#faults.push({ ...spec, remaining: spec.times ?? Number.POSITIVE_INFINITY, hits: 0 })
  }

  clear(): void {
    this.#faults.length = 0
  }

  /** Decides (and spends) the faults for one call: summed latency, and the first matching error. */
  decide(op: CallOp, endpoint: string, connectionId: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 }
    for (const f of this.#faults) {
      if (f.remaining <= 0) continue
      if (f.op !== undefined && f.op !== op) continue
      if (f.connectionId !== undefined && f.connectionId !== connectionId) continue
      if (f.endpoint !== undefined && f.endpoint !== endpoint) continue
      if (f.status !== undefined) {
        if (decision.error) continue
        decision.error = errorFor(f, f.status, connectionId)
      }
      f.remaining--
      f.hits++
      decision.latencyMs += f.latencyMs ?? 0
    }
    return decision
  }

  /** Faults with a finite `times` that were not used up: the test did not exercise them. */
  unspent(): FaultSpec[] {
    return this.#faults
      .filter((f) => f.remaining > 0 && f.remaining !== Number.POSITIVE_INFINITY)
      .map(({ remaining: _r, hits: _h, ...spec }) => spec)
  }
}
