// Reading a Lambda proxy result as API Gateway does. A result with fields outside the
// proxy shape is a malformed response: on a WebSocket route the client gets the
// `Internal server error` frame (middyjs/middy#1219 shows AWS doing exactly that for
// `{ statusCode, Data, ConnectionId }`); on a REST route, a 502.

export interface ProxyResult {
  statusCode: number
  /** Single and multi-value headers merged; names as returned. */
  headers: Array<[string, string]>
  /** The decoded body (base64 already undone), or undefined when there is none. */
  body: Buffer | undefined
  cookies: string[]
}

export type ReadResult = { ok: true; result: ProxyResult } | { ok: false; reason: string }

const PROXY_FIELDS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded'])
const V2_FIELDS = new Set([...PROXY_FIELDS, 'cookies'])

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

function status(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined
}

/**
 * The strict proxy shape (WebSocket routes, REST V1). No result at all counts as 200 with
 * no body: WebSocket handlers that return nothing are accepted by the service.
 */
export function readProxyResult(value: unknown, fields: ReadonlySet<string> = PROXY_FIELDS): ReadResult {
  if (value === undefined || value === null) {
    return { ok: true, result: { statusCode: 200, headers: [], body: undefined, cookies: [] } }
  }
  if (!isRecord(value))
    return {
      ok: false,
      reason: `the result is a ${Array.isArray(value) ? 'array' : typeof value}, not an object`,
    }
  for (const key of Object.keys(value)) {
    if (!fields.has(key))
      return { ok: false, reason: `unexpected field ${JSON.stringify(key)} in the result` }
  }
  const statusCode = value.statusCode === undefined ? 200 : status(value.statusCode)
  if (statusCode === undefined)
    return { ok: false, reason: `invalid statusCode ${JSON.stringify(value.statusCode)}` }
  const headers: Array<[string, string]> = []
  if (value.headers !== undefined && value.headers !== null) {
    if (!isRecord(value.headers)) return { ok: false, reason: 'headers must be an object' }
    for (const [name, v] of Object.entries(value.headers)) {
      const text = headerText(v)
      if (text === undefined) return { ok: false, reason: `header ${name} must be a string` }
      headers.push([name, text])
    }
  }
  if (value.multiValueHeaders !== undefined && value.multiValueHeaders !== null) {
    if (!isRecord(value.multiValueHeaders))
      return { ok: false, reason: 'multiValueHeaders must be an object' }
    for (const [name, list] of Object.entries(value.multiValueHeaders)) {
      if (!Array.isArray(list)) return { ok: false, reason: `multiValueHeaders.${name} must be an array` }
      // Single-value headers win over multi-value ones of the same name, as in API Gateway.
      if (headers.some(([n]) => n.toLowerCase() === name.toLowerCase())) continue
      for (const v of list) {
        const text = headerText(v)
        if (text === undefined) return { ok: false, reason: `header ${name} must be strings` }
        headers.push([name, text])
      }
    }
  }
  let body: Buffer | undefined
  if (value.body !== undefined && value.body !== null) {
    if (typeof value.body !== 'string') return { ok: false, reason: 'body must be a string' }
    body =
      value.isBase64Encoded === true ? Buffer.from(value.body, 'base64') : Buffer.from(value.body, 'utf8')
  }
  const cookies: string[] = []
  if (Array.isArray(value.cookies)) for (const c of value.cookies) if (typeof c === 'string') cookies.push(c)
  return { ok: true, result: { statusCode, headers, body, cookies } }
}

/**
 * What Lambda hands API Gateway is the runtime's `JSON.stringify` of the result, not the
 * object: undefined fields vanish and Dates become strings. A value JSON cannot carry
 * (BigInt, a cycle) fails the invocation there, so it throws here.
 */
export function asLambdaSends(value: unknown): unknown {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0]
    throw new TypeError(`the result is not JSON-serialisable: ${why}`, { cause: error })
  }
  return text === undefined ? undefined : JSON.parse(text)
}

export type ConnectDecision =
  | { accepted: true; result: ProxyResult }
  | { accepted: false; status: number; reason: string }

/**
 * Whether a `$connect` result completes the handshake: a well-formed proxy result (or
 * none) with a 2xx status. Anything else is refused, with the status the client sees:
 * the result's own, or 502 for a malformed one (a 1xx status included). The gateway and
 * the testkit's fake both decide by this.
 */
export function readConnectResult(value: unknown): ConnectDecision {
  const read = readProxyResult(value)
  if (!read.ok) return { accepted: false, status: 502, reason: `malformed $connect result: ${read.reason}` }
  const { statusCode } = read.result
  // A 1xx cannot end a handshake: 101 would claim the upgrade, 100 means more to come.
  if (statusCode < 200)
    return { accepted: false, status: 502, reason: `malformed $connect result: statusCode ${statusCode}` }
  if (statusCode > 299)
    return { accepted: false, status: statusCode, reason: '$connect refused the connection' }
  return { accepted: true, result: read.result }
}

/**
 * HTTP API (payload 2.0): a result without `statusCode` is the body itself, sent as JSON
 * with 200; a string is sent as is. Otherwise the proxy shape, plus `cookies`.
 */
export function readV2Result(value: unknown): ReadResult {
  const json = (body: string): ReadResult => ({
    ok: true,
    result: {
      statusCode: 200,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(body),
      cookies: [],
    },
  })
  if (typeof value === 'string') return json(value)
  if (isRecord(value) && value.statusCode !== undefined) return readProxyResult(value, V2_FIELDS)
  if (value === undefined || value === null) return readProxyResult(value)
  const text = JSON.stringify(value)
  return text === undefined ? { ok: false, reason: 'the result is not JSON-serialisable' } : json(text)
}

/** A header of a result, case-insensitively. */
export function resultHeader(result: ProxyResult, name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const [n, v] of result.headers) if (n.toLowerCase() === lower) return v
  return undefined
}
