// Errors a handler throws (or the App raises) with a stable code and HTTP status.
// Every error response uses one envelope: {"error":{"code","message","requestId"}}.

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unprocessable_entity: 422,
  rate_limited: 429,
  internal: 500,
  not_websocket: 500,
  unknown_event: 500,
  unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS | (string & {})

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  422: 'Unprocessable entity',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
}

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  500: 'internal',
  503: 'unavailable',
}

export interface AppErrorOptions {
  status?: number
  /** Extra, client-safe detail (e.g. validation issues), included in the envelope. */
  details?: unknown
  headers?: Record<string, string>
  cause?: unknown
  /**
   * Whether the message and details reach the client. Default: yes below 500, no from
   * 500 up, so a programming error's message (which may name internals) is only logged.
   */
  expose?: boolean
}

/** An error status is an integer from 400 to 599; anything else would make the gateway answer 502. */
function errorStatus(status: number): number {
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500
}

export class AppError extends Error {
  override readonly name: string = 'AppError'
  readonly code: ErrorCode
  readonly status: number
  readonly details?: unknown
  readonly headers?: Record<string, string>
  readonly expose: boolean

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    const status = errorStatus(
      options.status ??
        (Object.hasOwn(ERROR_STATUS, code) ? ERROR_STATUS[code as keyof typeof ERROR_STATUS] : 500),
    )
    super(
      message ?? DEFAULT_MESSAGES[status] ?? (status < 500 ? 'Request failed' : 'Internal server error'),
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.code = code
    this.status = status
    this.expose = options.expose ?? status < 500
    if (options.details !== undefined) this.details = options.details
    if (options.headers) this.headers = options.headers
  }

  /** An AppError for a bare HTTP status, e.g. `AppError.fromStatus(401)`. */
  static fromStatus(status: number, message?: string): AppError {
    // The code follows the status the client will see, after an out-of-range one became 500.
    const effective = errorStatus(status)
    return new AppError(
      CODE_FOR_STATUS[effective] ?? (effective >= 500 ? 'internal' : 'bad_request'),
      message,
      { status: effective },
    )
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError
}

export interface ErrorEnvelope {
  error: { code: string; message: string; requestId: string; details?: unknown }
}

/**
 * The client-facing envelope. Anything that is not an AppError becomes `internal`
 * with a generic message; an AppError that is not `expose`d keeps its code and status
 * but its message is replaced by the status's generic one. Either way no internal
 * detail reaches a client (the App logs the real error with the request id).
 */
export function errorEnvelope(error: unknown, requestId: string): { status: number; body: ErrorEnvelope } {
  if (error instanceof AppError) {
    const message = error.expose ? error.message : (DEFAULT_MESSAGES[error.status] ?? 'Internal server error')
    const body: ErrorEnvelope = { error: { code: error.code, message, requestId } }
    if (error.expose && error.details !== undefined) body.error.details = error.details
    return { status: error.status, body }
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Internal server error', requestId } } }
}
