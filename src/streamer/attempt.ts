import type { CallOptions } from './types.js'

// One attempt's abort signal, fed by three sources that end differently: the caller's
// own signal (rethrow its reason), the call's deadline (a StreamerTimeoutError, no
// retry) and the per-attempt timeout (a network error, retryable). Remembering which
// fired is what lets the retry loop tell them apart; a plain AbortSignal.any cannot.

export type AbortCause = 'caller' | 'deadline' | 'attempt-timeout'

export interface AttemptScope {
  readonly signal: AbortSignal
  /** Which source aborted the attempt, if any did. */
  readonly cause: AbortCause | undefined
  /** Releases the timer and listener; call as soon as the attempt settles. */
  close(): void
}

// setTimeout fires at once for anything above this; a deadline that far away is none.
const MAX_TIMER_MS = 2_147_483_647

// An attempt with no timer and no caller signal can never abort: it shares one signal
// rather than paying for an AbortController per attempt (the in-process path's case).
const NEVER: AttemptScope = { signal: new AbortController().signal, cause: undefined, close() {} }

export function openAttempt(call: CallOptions | undefined, attemptTimeoutMs: number): AttemptScope {
  if (attemptTimeoutMs <= 0 && call?.deadline === undefined && call?.signal === undefined) return NEVER
  const controller = new AbortController()
  let cause: AbortCause | undefined
  const untilDeadline = call?.deadline === undefined ? Number.POSITIVE_INFINITY : call.deadline - Date.now()
  const timeout = attemptTimeoutMs > 0 ? attemptTimeoutMs : Number.POSITIVE_INFINITY
  const ms = Math.min(untilDeadline, timeout)
  let timer: ReturnType<typeof setTimeout> | undefined
  if (ms <= MAX_TIMER_MS) {
    const which: AbortCause = untilDeadline <= timeout ? 'deadline' : 'attempt-timeout'
    timer = setTimeout(
      () => {
        cause ??= which
        controller.abort()
      },
      Math.max(0, ms),
    )
  }
  const caller = call?.signal
  const onAbort = () => {
    cause ??= 'caller'
    controller.abort(caller?.reason)
  }
  if (caller) {
    if (caller.aborted) onAbort()
    else caller.addEventListener('abort', onAbort, { once: true })
  }
  return {
    signal: controller.signal,
    get cause() {
      return cause
    },
    close() {
      if (timer !== undefined) clearTimeout(timer)
      caller?.removeEventListener('abort', onAbort)
    },
  }
}
