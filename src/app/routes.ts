import type { Handler, Middleware } from './compose.js'
import { RouteRegistrationError } from './errors.js'
import type { WebSocketRouteOptions } from './messages.js'

// Route tables: WebSocket route keys (exact match) and HTTP method + path patterns.

export interface Route {
  key: string
  middleware: Middleware[]
  handler: Handler
  /** The composed chain; rebuilt when app-level middleware changes. */
  run?: Handler
  /** A WebSocket MESSAGE route (socketeer/client requests are answered), with its options. */
  message?: WebSocketRouteOptions
}

const RESERVED = new Set(['$connect', '$disconnect', '$default'])

/** Route keys as API Gateway accepts them: the three `$` keys, or a custom key without `$`, spaces or controls. */
export function validateRouteKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new RouteRegistrationError(
      `invalid WebSocket route key ${JSON.stringify(key)}: must be a non-empty string`,
    )
  }
  if (key.startsWith('$') && !RESERVED.has(key)) {
    throw new RouteRegistrationError(
      `invalid WebSocket route key ${JSON.stringify(key)}: only $connect, $disconnect and $default may start with $`,
    )
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (key.length > 128 || /[\s\u0000-\u001f\u007f]/.test(key)) {
    throw new RouteRegistrationError(
      `invalid WebSocket route key ${JSON.stringify(key)}: at most 128 characters, no whitespace or control characters`,
    )
  }
}

export interface HttpRoute extends Route {
  method: string
  segments: string[]
  params: string[]
}

export interface HttpMatch {
  route: HttpRoute
  params: Record<string, string>
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'ALL'])

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0)
}

/** `/a//b/` → `/a/b`; a path that is already tidy (the usual case) is returned as is. */
function normalisePath(path: string): string {
  if (path.length > 1 && (path.endsWith('/') || path.includes('//'))) return `/${splitPath(path).join('/')}`
  return path.length === 0 ? '/' : path
}

/** `/posts/:id/comments`, `/files/*`; static routes are looked up by path then method, the rest in order. */
export class HttpRouter {
  readonly #static = new Map<string, Map<string, HttpRoute>>()
  readonly #dynamic: HttpRoute[] = []
  readonly all: HttpRoute[] = []

  add(method: string, path: string, route: Omit<HttpRoute, 'method' | 'segments' | 'params'>): HttpRoute {
    const m = method.toUpperCase()
    if (!METHODS.has(m)) throw new RouteRegistrationError(`unsupported HTTP method ${JSON.stringify(method)}`)
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new RouteRegistrationError(`invalid HTTP path ${JSON.stringify(path)}: must start with /`)
    }
    const segments = splitPath(path)
    const params: string[] = []
    segments.forEach((s, i) => {
      if (s.startsWith(':')) {
        if (s.length === 1 || params.includes(s.slice(1))) {
          throw new RouteRegistrationError(`invalid HTTP path ${JSON.stringify(path)}: bad parameter ${s}`)
        }
        params.push(s.slice(1))
      } else if (s === '*' && i !== segments.length - 1) {
        throw new RouteRegistrationError(
          `invalid HTTP path ${JSON.stringify(path)}: * must be the last segment`,
        )
      }
    })
    const normalised = `/${segments.join('/')}`
    const key = `${m} ${normalised}`
    if (this.all.some((r) => r.key === key)) throw new RouteRegistrationError(`duplicate HTTP route ${key}`)
    const full: HttpRoute = { ...route, key, method: m, segments, params }
    this.all.push(full)
    if (params.length === 0 && !segments.includes('*')) {
      let byMethod = this.#static.get(normalised)
      if (!byMethod) {
        byMethod = new Map()
        this.#static.set(normalised, byMethod)
      }
      byMethod.set(m, full)
    } else {
      this.#dynamic.push(full)
    }
    return full
  }

  /** A match, or the list of methods the path allows (for a 405). */
  match(method: string, path: string): HttpMatch | { allowed: string[] } {
    const normalised = normalisePath(path)
    const byMethod = this.#static.get(normalised)
    if (byMethod) {
      const exact =
        byMethod.get(method) ?? byMethod.get('ALL') ?? (method === 'HEAD' ? byMethod.get('GET') : undefined)
      if (exact) return { route: exact, params: {} }
    }
    // normalised is tidy, so a plain split is the segment list.
    const segments = this.#dynamic.length === 0 || normalised === '/' ? [] : normalised.slice(1).split('/')
    for (const route of this.#dynamic) {
      if (route.method !== method && route.method !== 'ALL' && !(method === 'HEAD' && route.method === 'GET'))
        continue
      const params = matchSegments(route.segments, segments)
      if (params) return { route, params }
    }
    // No match: the slow path works out which methods the path does allow, for a 405.
    const allowed = new Set<string>(byMethod?.keys())
    for (const route of this.#dynamic) if (matchSegments(route.segments, segments)) allowed.add(route.method)
    // HEAD is served by GET routes, so it is allowed wherever GET is.
    if (allowed.has('GET')) allowed.add('HEAD')
    return { allowed: [...allowed] }
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!
    if (p === '*') {
      params['*'] = actual.slice(i).map(safeDecode).join('/')
      return params
    }
    const a = actual[i]
    if (a === undefined) return undefined
    if (p.startsWith(':')) params[p.slice(1)] = safeDecode(a)
    else if (p !== a) return undefined
  }
  return pattern.length === actual.length ? params : undefined
}

function safeDecode(s: string): string {
  if (s.indexOf('%') < 0) return s
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
