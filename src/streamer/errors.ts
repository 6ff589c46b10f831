// Typed @connections errors. One mapping (streamerErrorFor) decides the class from the
// exception name and/or the bare HTTP status, because local emulators often omit the
// x-amzn-ErrorType header (serverless-offline answers a bare 410).

export interface StreamerErrorOptions {
  connectionId?: string
  requestId?: string
  cause?: unknown
}

export class StreamerError extends Error {
  override readonly name: string = 'StreamerError'
  /** HTTP status of the answer; 0 when there was none (network failure, deadline). */
  readonly status: number
  /** The service's exception name (e.g. `GoneException`), or socketeer's own code. */
  readonly code: string
  /** Whether the same call may succeed if tried again (429, 5xx, network). */
  readonly retryable: boolean
  readonly connectionId?: string
  readonly requestId?: string

  constructor(
    message: string,
    status: number,
    code: string,
    retryable: boolean,
    options: StreamerErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.status = status
    this.code = code
    this.retryable = retryable
    if (options.connectionId !== undefined) this.connectionId = options.connectionId
    if (options.requestId !== undefined) this.requestId = options.requestId
  }
}

/** 410: the connection is unknown, closed, or not connected yet (e.g. during its own `$connect`). */
export class GoneError extends StreamerError {
  override readonly name = 'GoneError'
  constructor(message = 'Connection is gone', options?: StreamerErrorOptions) {
    super(message, 410, 'GoneException', false, options)
  }
}

/** 403: wrong endpoint (stage missing, wss:// used) or not authorised. */
export class ForbiddenError extends StreamerError {
  override readonly name = 'ForbiddenError'
  constructor(message = 'Forbidden', options?: StreamerErrorOptions) {
    super(message, 403, 'ForbiddenException', false, options)
  }
}

/** 413: data over 128 KB. */
export class PayloadTooLargeError extends StreamerError {
  override readonly name = 'PayloadTooLargeError'
  constructor(message = 'Payload too large', options?: StreamerErrorOptions) {
    super(message, 413, 'PayloadTooLargeException', false, options)
  }
}

/** 429: too many requests, or the client's buffer is full. Retryable. */
export class ThrottledError extends StreamerError {
  override readonly name = 'ThrottledError'
  /** From a `Retry-After` header, when the service sent one. */
  readonly retryAfterMs?: number
  constructor(message = 'Too many requests', options?: StreamerErrorOptions & { retryAfterMs?: number }) {
    super(message, 429, 'LimitExceededException', true, options)
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
  }
}

/** 5xx from the service. Retryable. */
export class StreamerServiceError extends StreamerError {
  override readonly name: string = 'StreamerServiceError'
  constructor(
    message = 'Service error',
    status = 500,
    code = 'InternalServerError',
    options?: StreamerErrorOptions,
  ) {
    super(message, status, code, true, options)
  }
}

/**
 * No answer at all: connection refused or reset, DNS, or one attempt outlived
 * `attemptTimeoutMs`. A StreamerServiceError (status 0) so one `instanceof` catches
 * every transient failure. Retryable.
 */
export class StreamerNetworkError extends StreamerServiceError {
  override readonly name = 'StreamerNetworkError'
  constructor(message: string, code = 'NetworkError', options?: StreamerErrorOptions) {
    super(message, 0, code, options)
  }
}

/**
 * The call's deadline (`CallOptions.deadline`, the Lambda's remaining time) passed
 * before an answer came. Not retryable: there is no time left to retry in.
 */
export class StreamerTimeoutError extends StreamerError {
  override readonly name = 'StreamerTimeoutError'
  constructor(message = 'Deadline exceeded', options?: StreamerErrorOptions) {
    super(message, 0, 'DeadlineExceeded', false, options)
  }
}

/** Rejected before any request: malformed connection id, data or options. */
export class StreamerValidationError extends StreamerError {
  override readonly name = 'StreamerValidationError'
  constructor(message: string, options?: StreamerErrorOptions) {
    super(message, 400, 'ValidationError', false, options)
  }
}
