// Typed @connections errors, recognised by HTTP status as well as by exception
// name, since local emulators often omit the x-amzn-ErrorType header.

export interface StreamerErrorOptions {
  connectionId?: string
  requestId?: string
  cause?: unknown
}

export class StreamerError extends Error {
  override readonly name: string = 'StreamerError'
  readonly status: number
  readonly code: string
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
  readonly retryAfterMs?: number
  constructor(message = 'Too many requests', options?: StreamerErrorOptions & { retryAfterMs?: number }) {
    super(message, 429, 'LimitExceededException', true, options)
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
  }
}

/** 5xx, or the network failed. Retryable. */
export class StreamerServiceError extends StreamerError {
  override readonly name = 'StreamerServiceError'
  constructor(
    message = 'Service error',
    status = 500,
    code = 'InternalServerError',
    options?: StreamerErrorOptions,
  ) {
    super(message, status, code, true, options)
  }
}

/** Rejected before any request: malformed connection id or similar caller error. */
export class StreamerValidationError extends StreamerError {
  override readonly name = 'StreamerValidationError'
  constructor(message: string, options?: StreamerErrorOptions) {
    super(message, 400, 'ValidationError', false, options)
  }
}

const BY_NAME: Record<string, number> = {
  GoneException: 410,
  ForbiddenException: 403,
  AccessDeniedException: 403,
  PayloadTooLargeException: 413,
  LimitExceededException: 429,
  TooManyRequestsException: 429,
  ThrottlingException: 429,
}

/**
 * Maps a status and/or exception name to the typed error. The name wins when both
 * are known; a bare status (emulator without x-amzn-ErrorType) still maps.
 */
export function streamerErrorFor(
  status: number | undefined,
  name: string | undefined,
  message: string | undefined,
  options: StreamerErrorOptions = {},
): StreamerError {
  const effective = (name && BY_NAME[name]) || status || 500
  const msg = message || undefined
  switch (effective) {
    case 410:
      return new GoneError(msg, options)
    case 403:
      return new ForbiddenError(msg, options)
    case 413:
      return new PayloadTooLargeError(msg, options)
    case 429:
      return new ThrottledError(msg, options)
    default:
      if (effective >= 500)
        return new StreamerServiceError(msg, effective, name || 'InternalServerError', options)
      return new StreamerError(
        msg ?? `Unexpected status ${effective}`,
        effective,
        name || 'UnknownError',
        false,
        options,
      )
  }
}
