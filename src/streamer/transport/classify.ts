import {
  ForbiddenError,
  GoneError,
  PayloadTooLargeError,
  StreamerError,
  type StreamerErrorOptions,
  StreamerNetworkError,
  StreamerServiceError,
  ThrottledError,
} from '../errors.js'

// The one rule that turns what a transport saw into a typed error. Both wire transports
// reduce their failure to one of two shapes first: an answer (a status, the
// `x-amzn-ErrorType` header, the body's message) or no answer (a Node error). The SDK
// transport reads them off the SDK's exception, the SigV4 transport off the response.

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

/** `Retry-After` in seconds or as an HTTP date, in ms; undefined when absent or nonsense. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** `LimitExceededException:http://internal.amazon.com/...` → `LimitExceededException`, as the SDKs read it. */
export function errorTypeName(header: string | undefined): string | undefined {
  if (!header) return undefined
  const name = header.split(':')[0]!.trim()
  return name === '' ? undefined : name
}

/** What the service answered, reduced to what the rule reads. */
export interface Answer {
  status: number
  /** The exception name (`x-amzn-ErrorType`, suffix removed); undefined when the header was absent. */
  name?: string | undefined
  /** The service's own message; undefined when the body had none. */
  message?: string | undefined
  requestId?: string | undefined
  /** The raw `Retry-After` header. */
  retryAfter?: string | undefined
}

/** An error answer → the typed error. `endpoint` feeds the 403 hint. */
export function errorForAnswer(
  answer: Answer,
  connectionId: string,
  endpoint: string | undefined,
  cause: unknown,
): StreamerError {
  const { requestId } = answer
  const typed = streamerErrorFor(answer.status, answer.name, answer.message, {
    connectionId,
    requestId,
    cause,
    retryAfterMs: parseRetryAfter(answer.retryAfter),
  })
  if (typed instanceof ForbiddenError && endpoint !== undefined) {
    // The usual cause is the endpoint, not permissions: say so where it is seen.
    return new ForbiddenError(
      `${typed.message} (endpoint ${endpoint}: it must be https://{apiId}.execute-api.{region}.amazonaws.com/{stage} ` +
        `or the custom domain with its base path, https not wss, stage included; and the role needs execute-api:ManageConnections)`,
      { connectionId, requestId, cause },
    )
  }
  return typed
}

// Node's codes for a connection that failed or died (an answer cut off midway included).
const TRANSPORT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
])

/**
 * A 2xx whose body never arrived whole: the connection died while it was read. The
 * service did answer, so a POST or DELETE took effect (retrying or failing it would send
 * it twice or report it lost); a GET has nothing to read.
 */
export function isCutOffSuccess(status: number | undefined, code: string | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300 && TRANSPORT_CODES.has(code ?? '')
}

// Failures of this process before any request could be made: the same call fails the
// same way, so they are not retried. Anything else without an answer is the network.
const LOCAL_FAILURE_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ProviderError',
  'TypeError',
])

interface NodeErrorShape {
  name?: string
  message?: string
  code?: string
}

/** A failure with no (whole) answer → a retryable network error, or a non-retryable local one. */
export function errorForNoAnswer(
  error: unknown,
  connectionId: string,
  extra: { requestId?: string | undefined; status?: number | undefined } = {},
): StreamerError {
  if (error instanceof StreamerError) return error
  const e = (error ?? {}) as NodeErrorShape
  const code = e.code ?? (e.name && e.name !== 'Error' ? e.name : 'NetworkError')
  const options = { connectionId, requestId: extra.requestId, cause: error }
  const local =
    extra.status === undefined &&
    (LOCAL_FAILURE_NAMES.has(e.name ?? '') ||
      (e.code ?? '').startsWith('ERR_INVALID_') ||
      e.code === 'ERR_MODULE_NOT_FOUND' ||
      /^Region is missing/.test(e.message ?? ''))
  if (local) {
    return new StreamerError(
      `@connections call not made: ${e.message ?? String(error)}`,
      0,
      code,
      false,
      options,
    )
  }
  return new StreamerNetworkError(`network error: ${e.message ?? String(error)}`, code, options)
}
