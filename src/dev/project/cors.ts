import type { CorsOptions } from '../../app/cors-rules.js'
import type { HttpRouteSpec } from './source.js'

// A project file's CORS settings as the gateway's CorsOptions, with the defaults the
// deploying tool fills in (what API Gateway then answers):
// - serverless `http` events' `cors` (REST): an OPTIONS MOCK per path, headers merged over
//   every cors-enabled event of that path (the Framework's validate + compileCors);
// - serverless `provider.httpApi.cors` (HTTP API): one CorsConfiguration for the API;
// - SAM `Cors` (Api, quoted strings) and `CorsConfiguration` (HttpApi).

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value)
}

const list = (value: unknown): string[] | undefined =>
  value === undefined || value === null
    ? undefined
    : (Array.isArray(value) ? value : [value]).map(String).filter((s) => s !== '')

/** The Framework's default `Access-Control-Allow-Headers` for `http` events' `cors: true`. */
export const REST_DEFAULT_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
  'X-Amzn-Trace-Id',
]

/** The Framework's default `AllowHeaders` for `provider.httpApi.cors: true`. */
export const HTTP_API_DEFAULT_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
]

const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT']

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])]

/** One `http` event's `cors` (true or the object form), before merging per path. */
function restEventCors(value: unknown, method: string): CorsOptions | undefined {
  if (value !== true && !isRecord(value)) return undefined
  const o = isRecord(value) ? value : {}
  const origins = list(o.origins) ?? list(typeof o.origin === 'string' ? o.origin.split(',') : o.origin)
  const methods = list(o.methods)?.map((m) => m.toUpperCase()) ?? []
  const out: CorsOptions = {
    origin: origins?.map((s) => s.trim()) ?? '*',
    methods: union(union(methods, ['OPTIONS']), [method]),
    allowHeaders: list(o.headers) ?? REST_DEFAULT_HEADERS,
  }
  if (o.allowCredentials === true) out.credentials = true
  if (o.maxAge !== undefined && Number.isFinite(Number(o.maxAge))) out.maxAge = Number(o.maxAge)
  return out
}

/**
 * serverless `http` events' `cors`, merged per path as the Framework does (headers,
 * methods and origins united, credentials if any asks, the last maxAge), then set on every
 * cors-enabled route of that path. `ANY` allows every method.
 */
export function applyRestCors(routes: { route: HttpRouteSpec; cors: unknown }[]): void {
  const byPath = new Map<string, { merged: CorsOptions; routes: HttpRouteSpec[] }>()
  for (const { route, cors } of routes) {
    const one = restEventCors(cors, route.method)
    if (!one) continue
    const seen = byPath.get(route.path)
    if (!seen) {
      byPath.set(route.path, { merged: one, routes: [route] })
      continue
    }
    const m = seen.merged
    const origins = (o: CorsOptions['origin']) => (Array.isArray(o) ? o : [o ?? '*'])
    const origin = union(origins(one.origin), origins(m.origin))
    m.origin = origin.includes('*') ? '*' : origin
    m.methods = union(one.methods!, m.methods!)
    m.allowHeaders = union(one.allowHeaders!, m.allowHeaders!)
    if (one.credentials) m.credentials = true
    if (one.maxAge !== undefined) m.maxAge = one.maxAge
    seen.routes.push(route)
  }
  for (const { merged, routes: onPath } of byPath.values()) {
    if (merged.methods!.includes('ANY'))
      merged.methods = union(
        merged.methods!.filter((m) => m !== 'ANY'),
        ALL_METHODS,
      )
    for (const route of onPath) route.cors = merged
  }
}

/** serverless `provider.httpApi.cors` (true or object) for every httpApi route. */
export function applyHttpApiCors(value: unknown, routes: HttpRouteSpec[]): void {
  if (value !== true && !isRecord(value)) return
  const o = isRecord(value) ? value : {}
  let methods = list(o.allowedMethods)?.map((m) => m.toUpperCase())
  if (!methods) {
    // The Framework fills AllowMethods from the routes: OPTIONS plus each route's method.
    methods = ['OPTIONS']
    for (const r of routes) methods = union(methods, r.method === 'ANY' ? ALL_METHODS : [r.method])
  }
  const cors: CorsOptions = {
    origin: list(o.allowedOrigins) ?? '*',
    methods,
    allowHeaders: list(o.allowedHeaders) ?? HTTP_API_DEFAULT_HEADERS,
  }
  if (o.allowCredentials === true) cors.credentials = true
  const expose = list(o.exposedResponseHeaders)
  if (expose) cors.exposeHeaders = expose
  if (o.maxAge !== undefined && Number.isFinite(Number(o.maxAge))) cors.maxAge = Number(o.maxAge)
  for (const r of routes) r.cors = cors
}

// SAM's REST `Cors` values are header values in single quotes: "'GET,POST'".
const unquote = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.trim().replace(/^'(.*)'$/, '$1') : undefined
const commaList = (value: unknown): string[] | undefined =>
  unquote(value)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/**
 * SAM `Cors` of an Api (string: the origin; or AllowOrigin, AllowMethods, AllowHeaders,
 * MaxAge, AllowCredentials). Without AllowMethods, SAM lists the path's methods and
 * OPTIONS; without AllowHeaders it sends none. Applied to the routes of one API.
 */
export function applySamApiCors(value: unknown, routes: HttpRouteSpec[]): void {
  if (typeof value !== 'string' && !isRecord(value)) return
  const o = isRecord(value) ? value : { AllowOrigin: value }
  const origin = unquote(o.AllowOrigin) ?? '*'
  const methodsByPath = new Map<string, string[]>()
  for (const r of routes)
    methodsByPath.set(
      r.path,
      union(methodsByPath.get(r.path) ?? ['OPTIONS'], r.method === 'ANY' ? ALL_METHODS : [r.method]),
    )
  for (const r of routes) {
    const cors: CorsOptions = {
      origin: origin.includes(',') ? origin.split(',').map((s) => s.trim()) : origin,
      methods: commaList(o.AllowMethods) ?? methodsByPath.get(r.path)!,
    }
    cors.allowHeaders = commaList(o.AllowHeaders) ?? []
    if (o.AllowCredentials === true) cors.credentials = true
    const maxAge = Number(unquote(String(o.MaxAge ?? '')))
    if (o.MaxAge !== undefined && Number.isFinite(maxAge)) cors.maxAge = maxAge
    r.cors = cors
  }
}

/** SAM `CorsConfiguration` of an HttpApi (true: any origin; a string: that origin; or the object). */
export function applySamHttpApiCors(value: unknown, routes: HttpRouteSpec[]): void {
  if (value !== true && typeof value !== 'string' && !isRecord(value)) return
  const o = isRecord(value) ? value : { AllowOrigins: value === true ? ['*'] : [unquote(value)] }
  const cors: CorsOptions = { origin: list(o.AllowOrigins) ?? '*' }
  const methods = list(o.AllowMethods)?.map((m) => m.toUpperCase())
  if (methods) cors.methods = methods
  const headers = list(o.AllowHeaders)
  if (headers) cors.allowHeaders = headers
  const expose = list(o.ExposeHeaders)
  if (expose) cors.exposeHeaders = expose
  if (o.AllowCredentials === true) cors.credentials = true
  if (o.MaxAge !== undefined && Number.isFinite(Number(o.MaxAge))) cors.maxAge = Number(o.MaxAge)
  for (const r of routes) r.cors = cors
}
