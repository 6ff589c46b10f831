import { streamerErrorFor } from './error-for.js'
import { ForbiddenError, StreamerError, StreamerNetworkError } from './errors.js'

// What AWS SDK v3 (restJson1) throws, as observed against a loopback server:
// - with `x-amzn-ErrorType`: the modelled class (`GoneException`, ...), `$fault` set;
// - without it (serverless-offline's bare 410): name `Unknown`, message `UnknownError`;
// - an unparsable body (an HTML 502 from a proxy): a `SyntaxError` whose `$metadata`
//   still carries the status, no `$fault`;
// - no answer: a Node error (`ECONNREFUSED`, `ECONNRESET`, `AbortError`) with no status.

interface SdkErrorShape {
  name?: string
  message?: string
  code?: string
  $fault?: string
  $metadata?: { httpStatusCode?: number; requestId?: string }
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> }
}

const PLACEHOLDER_MESSAGES = new Set(['UnknownError', 'Unknown', ''])

/** `Retry-After` in seconds or as an HTTP date, in ms; undefined when absent or nonsense. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

// Failures of this process before any request could be made: the same call fails the
// same way, so they are not retried. Anything else without an answer is the network.
const LOCAL_FAILURE_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ProviderError',
  'TypeError',
])

function isLocalFailure(e: SdkErrorShape): boolean {
  return (
    LOCAL_FAILURE_NAMES.has(e.name ?? '') ||
    (e.code ?? '').startsWith('ERR_INVALID_') ||
    /^Region is missing/.test(e.message ?? '')
  )
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
 * service did answer, so a POST or DELETE took effect; a GET has nothing to read.
 */
export function isCutOffSuccess(error: unknown): boolean {
  const e = (error ?? {}) as SdkErrorShape
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode
  return status !== undefined && status >= 200 && status < 300 && TRANSPORT_CODES.has(e.code ?? '')
}

/** Any failure of one SDK call → the typed error. `endpoint` feeds the 403 hint. */
export function fromSdkError(error: unknown, connectionId: string, endpoint?: string): StreamerError {
  if (error instanceof StreamerError) return error
  const e = (error ?? {}) as SdkErrorShape
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode
  const requestId = e.$metadata?.requestId
  if (status === undefined || isCutOffSuccess(error)) {
    const code = e.code ?? (e.name && e.name !== 'Error' ? e.name : 'NetworkError')
    const options = { connectionId, requestId, cause: error }
    if (status === undefined && isLocalFailure(e)) {
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
  // Only a modelled service exception's name is an AWS error code; a SyntaxError from
  // an HTML body is not, and `Unknown` means the header was missing.
  const name = e.$fault !== undefined && e.name && e.name !== 'Unknown' ? e.name : undefined
  const message = e.$fault !== undefined && !PLACEHOLDER_MESSAGES.has(e.message ?? '') ? e.message : undefined
  const headers = e.$response?.headers ?? {}
  const retryAfterMs = parseRetryAfter(headers['retry-after'])
  const typed = streamerErrorFor(status, name, message, {
    connectionId,
    requestId,
    cause: error,
    retryAfterMs,
  })
  if (typed instanceof ForbiddenError && endpoint !== undefined) {
    // The usual cause is the endpoint, not permissions: say so where it is seen.
    return new ForbiddenError(
      `${typed.message} (endpoint ${endpoint}: it must be https://{apiId}.execute-api.{region}.amazonaws.com/{stage} ` +
        `or the custom domain with its base path, https not wss, stage included; and the role needs execute-api:ManageConnections)`,
      { connectionId, requestId, cause: error },
    )
  }
  return typed
}
