// CORS as API Gateway's CORS configuration answers it: one rule set shared by the App's
// `cors()` middleware and the local gateway's `cors` option. Pure functions over
// lower-cased request headers; no state.

export interface CorsOptions {
  /**
   * Allowed origins: `'*'` (default), one origin, or a list (the request's origin is echoed
   * when listed). A listed entry with `*` in it is a pattern, `*` standing for one or more
   * characters (`https://*.example.com`), as API Gateway's HTTP API CORS and the Serverless
   * Framework's `origins` take them.
   */
  origin?: string | string[]
  /** Allowed methods for preflights; default GET, HEAD, PUT, PATCH, POST, DELETE. */
  methods?: string[]
  /** Allowed request headers; default: whatever the preflight asks for. */
  allowHeaders?: string[]
  /** Response headers the browser may read. */
  exposeHeaders?: string[]
  /** `Access-Control-Allow-Credentials: true` (needs a specific origin, never `*`). */
  credentials?: boolean
  /** Seconds a browser may cache a preflight's answer. */
  maxAge?: number
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']

/** A browser's preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, headers: Record<string, string | undefined>): boolean {
  return (
    method.toUpperCase() === 'OPTIONS' &&
    headers.origin !== undefined &&
    headers['access-control-request-method'] !== undefined
  )
}

// The Allow-Origin value for this request, or undefined when the origin is not allowed.
function allowedOrigin(options: CorsOptions, origin: string | undefined): string | undefined {
  const allowed = options.origin ?? '*'
  if (allowed === '*') return options.credentials && origin ? origin : '*'
  const list = Array.isArray(allowed) ? allowed : [allowed]
  if (list.includes('*')) return options.credentials && origin ? origin : '*'
  if (origin === undefined) return undefined
  return list.some((entry) => entry === origin || (entry.includes('*') && pattern(entry).test(origin)))
    ? origin
    : undefined
}

function pattern(entry: string): RegExp {
  const parts = entry.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${parts.join('.+')}$`)
}

/** Headers for an actual (non-preflight) response; empty when the origin is not allowed. */
export function corsHeaders(
  options: CorsOptions,
  headers: Record<string, string | undefined>,
): Record<string, string> {
  const origin = allowedOrigin(options, headers.origin)
  if (origin === undefined) return {}
  const out: Record<string, string> = { 'access-control-allow-origin': origin }
  if (origin !== '*') out.vary = 'Origin'
  if (options.credentials) out['access-control-allow-credentials'] = 'true'
  if (options.exposeHeaders?.length) out['access-control-expose-headers'] = options.exposeHeaders.join(', ')
  return out
}

/** Headers answering a preflight (status 204); empty when the origin is not allowed. */
export function preflightHeaders(
  options: CorsOptions,
  headers: Record<string, string | undefined>,
): Record<string, string> {
  const out = corsHeaders(options, headers)
  if (out['access-control-allow-origin'] === undefined) return out
  delete out['access-control-expose-headers']
  out['access-control-allow-methods'] = (options.methods ?? DEFAULT_METHODS).join(', ')
  const asked = headers['access-control-request-headers']
  const allowHeaders = options.allowHeaders?.join(', ') ?? asked
  if (allowHeaders) out['access-control-allow-headers'] = allowHeaders
  if (options.maxAge !== undefined) out['access-control-max-age'] = String(options.maxAge)
  return out
}

/** Adds CORS headers a response does not set itself (case-insensitively). */
export function mergeCorsHeaders<H extends string | string[]>(
  existing: Record<string, H> | undefined,
  cors: Record<string, string>,
): Record<string, H | string> {
  const out: Record<string, H | string> = { ...existing }
  const present = new Set(Object.keys(out).map((k) => k.toLowerCase()))
  for (const [k, v] of Object.entries(cors)) if (!present.has(k)) out[k] = v
  return out
}
