import { openAttempt } from './attempt.js'
import {
  StreamerError,
  StreamerNetworkError,
  StreamerTimeoutError,
  StreamerValidationError,
  ThrottledError,
} from './errors.js'
import type { CallOptions } from './types.js'

// Bounded exponential backoff with full jitter (sleep = random × min(cap, base × 2^n)),
// for 429, 5xx and network errors only: 410/403/413 mean the same answer next time.
// socketeer retries itself rather than through the SDK so that one policy covers
// every transport and no sleep outlives the caller's deadline.

export interface RetryOptions {
  /** Attempts in all, including the first; default 3. */
  maxAttempts?: number
  /** First backoff ceiling; default 50 ms. */
  baseDelayMs?: number
  /** Largest backoff ceiling; default 2 000 ms. */
  maxDelayMs?: number
  /** Random source in [0, 1), for tests. */
  random?: () => number
}

export interface RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly random: () => number
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 50,
  maxDelayMs: 2000,
  random: Math.random,
})

const NO_RETRY: RetryPolicy = Object.freeze({ ...DEFAULT_RETRY, maxAttempts: 1 })

function nonNegative(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StreamerValidationError(`retry.${name} must be a finite number >= 0, got ${String(value)}`)
  }
}

/** Checks the options once, at client creation, so a typo fails loudly and early. */
export function resolveRetry(retry: RetryOptions | false | undefined): RetryPolicy {
  if (retry === false) return NO_RETRY
  if (retry === undefined) return DEFAULT_RETRY
  if (typeof retry !== 'object' || retry === null) {
    throw new StreamerValidationError('retry must be an options object or false')
  }
  const policy = { ...DEFAULT_RETRY, ...definedOnly(retry) }
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new StreamerValidationError(
      `retry.maxAttempts must be an integer >= 1, got ${String(policy.maxAttempts)}`,
    )
  }
  nonNegative(policy.baseDelayMs, 'baseDelayMs')
  nonNegative(policy.maxDelayMs, 'maxDelayMs')
  if (typeof policy.random !== 'function')
    throw new StreamerValidationError('retry.random must be a function')
  return Object.freeze(policy)
}

function definedOnly(o: RetryOptions): RetryOptions {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out as RetryOptions
}

export function isRetryable(error: unknown): boolean {
  return error instanceof StreamerError && error.retryable
}

/** The sleep before attempt `failed + 1`. A service's Retry-After is a floor, within the cap. */
export function backoffDelay(failed: number, policy: RetryPolicy, error?: unknown): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failed - 1))
  let delay = Math.floor(policy.random() * ceiling)
  if (error instanceof ThrottledError && error.retryAfterMs !== undefined) {
    delay = Math.max(delay, Math.min(policy.maxDelayMs, error.retryAfterMs))
  }
  return delay
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/**
 * Runs `attempt` under the policy. Outcomes: the caller's abort rejects with its reason;
 * the deadline with StreamerTimeoutError; running out of attempts, or of time for the
 * next backoff, with the last error.
 *
 * With `bounded` (the transport bounds its own attempts, as the built-in ones do), each
 * attempt gets the caller's signal and the time it may take (the attempt timeout or what
 * is left before the deadline, whichever is less) and nothing is allocated per attempt.
 * Otherwise each attempt gets a signal of its own that aborts on the caller's signal,
 * the deadline or `attemptTimeoutMs` (0 = none).
 */
export async function withRetry<T>(
  attempt: (signal: AbortSignal | undefined, timeoutMs: number | undefined) => Promise<T>,
  policy: RetryPolicy,
  call: CallOptions | undefined,
  attemptTimeoutMs: number,
  connectionId?: string,
  bounded = false,
): Promise<T> {
  const deadline = call?.deadline
  let last: unknown
  for (let n = 1; ; n++) {
    if (call?.signal?.aborted) throw call.signal.reason
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new StreamerTimeoutError(
        n === 1 ? 'deadline already passed; no request made' : `deadline passed after ${n - 1} attempt(s)`,
        { connectionId, cause: last },
      )
    }
    let error: unknown
    if (bounded) {
      const timeout = attemptTimeoutMs > 0 ? attemptTimeoutMs : Number.POSITIVE_INFINITY
      const left = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now()
      const byDeadline = left <= timeout
      const ms = Math.min(timeout, left)
      try {
        return await attempt(call?.signal, ms === Number.POSITIVE_INFINITY ? undefined : ms)
      } catch (e) {
        error = e
      }
      if (call?.signal?.aborted) throw call.signal.reason ?? error
      if (byDeadline && error instanceof StreamerNetworkError && error.code === 'TimeoutError') {
        throw new StreamerTimeoutError(`deadline passed during attempt ${n}`, { connectionId, cause: error })
      }
    } else {
      const scope = openAttempt(call, attemptTimeoutMs)
      try {
        return await attempt(scope.signal, undefined)
      } catch (e) {
        error = e
      } finally {
        scope.close()
      }
      if (scope.cause === 'caller') throw call?.signal?.reason ?? error
      if (scope.cause === 'deadline') {
        throw new StreamerTimeoutError(`deadline passed during attempt ${n}`, { connectionId, cause: error })
      }
      if (scope.cause === 'attempt-timeout') {
        error = new StreamerNetworkError(`no answer within ${attemptTimeoutMs} ms`, 'TimeoutError', {
          connectionId,
          cause: error,
        })
      }
    }
    last = error
    if (n >= policy.maxAttempts || !isRetryable(error)) throw error
    const delay = backoffDelay(n, policy, error)
    // Never sleep past the caller's deadline (the Lambda's remaining time): the real
    // error now is more use than a timeout later.
    if (deadline !== undefined && Date.now() + delay >= deadline) throw error
    await sleep(delay, call?.signal)
  }
}
