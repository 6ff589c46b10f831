import { AppError, type ErrorEnvelope, errorEnvelope } from '../errors.js'
import type { TriggerKind } from '../events/detect.js'
import type { HttpResult, WebSocketResult } from '../events/types.js'
import { HttpResponse, type ResponseHeaders } from './context.js'

// Turning what a handler returned (or threw) into the Lambda result each trigger expects.

// Reason phrases for ALB's `statusDescription`. A local table, not node:http's
// STATUS_CODES: loading node:http would add milliseconds to every cold start.
const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

function isLambdaResult(value: unknown): value is { statusCode: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number'
  )
}

/**
 * A returned `{ statusCode, body }` passes through, but API Gateway answers 502 to a
 * body that is not a string, so an object body is sent as its JSON.
 */
function passThrough<T extends { statusCode: number }>(value: T): T {
  const body = (value as { body?: unknown }).body
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array)
    return value
  const headers = (value as { headers?: Record<string, string> }).headers ?? {}
  const typed = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')
  return {
    ...value,
    headers: typed ? headers : { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }
}

/**
 * WebSocket routes: nothing → 200; a string is the route-response body as is;
 * bytes are UTF-8 text; other values are JSON. A `{statusCode}` object passes through.
 * The gateway only forwards the body on routes with a route response.
 */
export function webSocketResult(value: unknown, protocol: string | undefined): WebSocketResult {
  let result: WebSocketResult
  if (value === undefined || value === null) result = { statusCode: 200 }
  else if (isLambdaResult(value)) result = passThrough(value) as WebSocketResult
  else if (typeof value === 'string') result = { statusCode: 200, body: value }
  else if (value instanceof Uint8Array)
    result = { statusCode: 200, body: Buffer.from(value).toString('utf8') }
  else result = { statusCode: 200, body: JSON.stringify(value) }
  if (protocol !== undefined) result.headers = { ...result.headers, 'Sec-WebSocket-Protocol': protocol }
  return result
}

/** Headers an error may add to its response: an AppError's own, never a foreign value's. */
function errorHeaders(error: unknown): Record<string, string> | undefined {
  return error instanceof AppError ? error.headers : undefined
}

export function webSocketErrorResult(error: unknown, requestId: string): WebSocketResult {
  const { status, body } = errorEnvelope(error, requestId)
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...errorHeaders(error) },
    body: JSON.stringify(body),
  }
}

export function toHttpResponse(value: unknown): HttpResponse | { statusCode: number } {
  if (value instanceof HttpResponse) return value
  if (value === undefined || value === null) return new HttpResponse(204, undefined)
  if (isLambdaResult(value)) return passThrough(value)
  if (typeof value === 'string')
    return new HttpResponse(200, value, { 'content-type': 'text/plain; charset=utf-8' })
  if (value instanceof Uint8Array) {
    return new HttpResponse(200, value, { 'content-type': 'application/octet-stream' })
  }
  return new HttpResponse(200, JSON.stringify(value), { 'content-type': 'application/json' })
}

export function httpErrorResponse(error: unknown, requestId: string): HttpResponse {
  const { status, body } = errorEnvelope(error, requestId)
  return new HttpResponse(status, JSON.stringify(body satisfies ErrorEnvelope), {
    'content-type': 'application/json',
    ...errorHeaders(error),
  })
}

/** Headers as an ALB target group with multi-value headers on reads them. */
function multiValue(headers: ResponseHeaders): Record<string, string[]> {
  const multi: Record<string, string[]> = {}
  for (const k of Object.keys(headers)) {
    const v = headers[k]!
    multi[k] = Array.isArray(v) ? v.map(String) : [String(v)]
  }
  return multi
}

/**
 * Response headers as each trigger carries several values of one name: REST V1 in
 * `multiValueHeaders` (merged with `headers` by API Gateway); HTTP API and Function URL
 * (payload 2.0) with `set-cookie` values in `cookies` and any other list comma-joined;
 * an ALB target group without multi-value headers can carry one value per name, the last.
 */
function splitHeaders(
  kind: TriggerKind,
  headers: ResponseHeaders,
): { headers: Record<string, string>; multiValueHeaders?: Record<string, string[]>; cookies?: string[] } {
  const single: Record<string, string> = {}
  let multi: Record<string, string[]> | undefined
  let cookies: string[] | undefined
  for (const name of Object.keys(headers)) {
    const value = headers[name]!
    if (!Array.isArray(value)) {
      single[name] = value
      continue
    }
    if (kind === 'rest') {
      multi ??= {}
      multi[name] = value
    } else if (kind === 'http' || kind === 'url') {
      if (name.toLowerCase() !== 'set-cookie') single[name] = value.join(', ')
      else {
        cookies ??= []
        cookies.push(...value)
      }
    } else if (value.length > 0) single[name] = value[value.length - 1]!
  }
  const out: ReturnType<typeof splitHeaders> = { headers: single }
  if (multi) out.multiValueHeaders = multi
  if (cookies) out.cookies = cookies
  return out
}

/**
 * Shapes a response for the trigger that delivered the request. An ALB target group
 * with multi-value headers on reads only `multiValueHeaders` from the result.
 */
export function httpResult(
  kind: TriggerKind,
  value: HttpResponse | { statusCode: number },
  multiValueHeaders = false,
): HttpResult {
  if (!(value instanceof HttpResponse)) {
    const result = value as HttpResult
    // A multi-value ALB target group reads only multiValueHeaders: a returned result
    // with plain headers (a CORS preflight answer, say) would lose them.
    if (kind === 'alb' && multiValueHeaders && result.headers && !result.multiValueHeaders) {
      const { headers, ...rest } = result
      return { ...rest, multiValueHeaders: multiValue(headers) }
    }
    return result
  }
  const binary = value.body instanceof Uint8Array
  const body =
    value.body === undefined
      ? ''
      : binary
        ? Buffer.from(value.body as Uint8Array).toString('base64')
        : (value.body as string)
  const result: HttpResult = { statusCode: value.status, headers: {}, body, isBase64Encoded: binary }
  if (kind === 'alb' && multiValueHeaders) {
    result.multiValueHeaders = multiValue(value.headers)
    delete result.headers
  } else Object.assign(result, splitHeaders(kind, value.headers))
  if (kind === 'alb') result.statusDescription = `${value.status} ${REASONS[value.status] ?? ''}`.trim()
  return result
}
