import {
  ForbiddenError,
  GoneError,
  PayloadTooLargeError,
  StreamerError,
  type StreamerErrorOptions,
  StreamerServiceError,
  ThrottledError,
} from './errors.js'

// Exception names the service (or a neighbouring AWS front door) uses, by status class.
const BY_NAME: Record<string, number> = {
  GoneException: 410,
  ForbiddenException: 403,
  AccessDeniedException: 403,
  PayloadTooLargeException: 413,
  LimitExceededException: 429,
  TooManyRequestsException: 429,
  ThrottlingException: 429,
}

const CODE_FOR_5XX: Record<number, string> = {
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
}

/**
 * Maps a status and/or exception name to the typed error. A known name wins (a 400
 * named LimitExceededException is still throttling); a bare status, as emulators send,
 * still maps. Unknown 4xx stay plain, non-retryable StreamerErrors.
 */
export function streamerErrorFor(
  status: number | undefined,
  name: string | undefined,
  message: string | undefined,
  options: StreamerErrorOptions & { retryAfterMs?: number } = {},
): StreamerError {
  // Own keys only: a name such as `constructor` must not find Object.prototype's.
  const effective = (name && Object.hasOwn(BY_NAME, name) && BY_NAME[name]) || status || 500
  const msg = message || undefined
  const { retryAfterMs, ...rest } = options
  switch (effective) {
    case 410:
      return new GoneError(msg, rest)
    case 403:
      return new ForbiddenError(msg, rest)
    case 413:
      return new PayloadTooLargeError(msg, rest)
    case 429:
      return new ThrottledError(msg, retryAfterMs === undefined ? rest : { ...rest, retryAfterMs })
    default: {
      const code = name || CODE_FOR_5XX[effective] || `Http${effective}`
      if (effective >= 500) return new StreamerServiceError(msg, effective, code, rest)
      return new StreamerError(msg ?? `Unexpected status ${effective}`, effective, code, false, rest)
    }
  }
}
