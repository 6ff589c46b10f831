import { UsageError } from '../errors.js'

// The runtimes' errors. A failed invocation carries one of these as its error (the log
// prints its name, message and stack), never a rejection that could reach the gateway.

/** No usable Python interpreter: one line that says what to install. */
export class PythonNotFoundError extends Error {
  override readonly name = 'PythonNotFoundError'
}

/**
 * What a Python handler raised (or the runtime reported), as Lambda reports it:
 * `errorType` is the exception's class (`ValueError`, `Runtime.ImportModuleError`, ...),
 * the stack is Python's traceback.
 */
export class PythonError extends Error {
  override readonly name: string
  readonly errorType: string
  readonly stackTrace: string[]

  constructor(detail: { errorType?: string; errorMessage?: string; stackTrace?: string[] }) {
    super(detail.errorMessage ?? '')
    this.errorType = detail.errorType ?? 'Error'
    this.name = this.errorType
    this.stackTrace = detail.stackTrace ?? []
    // Python's order (outermost call first), one line per source line, as `traceback` prints it.
    const frames = this.stackTrace.flatMap((frame) => frame.replace(/\n$/, '').split('\n'))
    // The innermost frames, where it was raised, are the ones the log keeps.
    this.stack = [`${this.errorType}: ${this.message}`, ...frames.slice(-8)].join('\n')
  }
}

/** The function ran past its own timeout (the EntrySpec's `timeoutMs`): Lambda's wording. */
export class FunctionTimeoutError extends Error {
  override readonly name = 'Sandbox.Timedout'

  constructor(ms: number) {
    super(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`)
    this.stack = `${this.name}: ${this.message}`
  }
}

/**
 * The gateway's own deadline passed first (no function timeout, or a longer one): the
 * runtime stopped the work, and invoke() reports a timeout, not a failed invocation, so
 * the outcome does not depend on which of the two timers fired first.
 */
export class GatewayDeadlineError extends Error {
  override readonly name = 'GatewayDeadlineError'
}

/** The worker process ended during an invocation. */
export class WorkerExitedError extends Error {
  override readonly name = 'Runtime.ExitError'

  constructor(how: string) {
    super(`Runtime exited with error: ${how}`)
    this.stack = `${this.name}: ${this.message}`
  }
}

/** An entry that names no usable file: a usage error (one line, exit code 2). */
export class EntryError extends UsageError {
  override readonly name = 'EntryError'
}
