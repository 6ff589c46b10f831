import { StreamerError, ThrottledError } from './errors.js'
import type { CallOptions } from './types.js'

// Bounded exponential backoff with full jitter, for 429, 5xx and network errors only.

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

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
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

export function isRetryable(error: unknown): boolean {
  return error instanceof StreamerError && error.retryable
}

export async function withRetry<T>(
  attempt: () => Promise<T>,
  retry: RetryOptions | false | undefined,
  call: CallOptions | undefined,
): Promise<T> {
  const maxAttempts = retry === false ? 1 : Math.max(1, retry?.maxAttempts ?? 3)
  const policy = retry || {}
  const base = policy.baseDelayMs ?? 50
  const cap = policy.maxDelayMs ?? 2000
  const random = policy.random ?? Math.random
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (error) {
      if (n >= maxAttempts || !isRetryable(error)) throw error
      let delay = Math.floor(random() * Math.min(cap, base * 2 ** (n - 1)))
      if (error instanceof ThrottledError && error.retryAfterMs !== undefined) {
        delay = Math.max(delay, Math.min(cap, error.retryAfterMs))
      }
      // Never sleep past the caller's deadline (the Lambda's remaining time).
      if (call?.deadline !== undefined && Date.now() + delay >= call.deadline) throw error
      await sleep(delay, call?.signal)
    }
  }
}
