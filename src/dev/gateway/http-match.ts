import type { HttpRoute } from '../options.js'

// Which HTTP route a request is: method (or ANY) and path template, as API Gateway
// matches them: `{name}` is one segment, `{name+}` the rest of the path.

export interface HttpMatch {
  route: HttpRoute
  pathParameters: Record<string, string>
}

const compiled = new WeakMap<HttpRoute, { regex: RegExp; names: string[] }>()

function compile(route: HttpRoute): { regex: RegExp; names: string[] } {
  let c = compiled.get(route)
  if (c) return c
  const names: string[] = []
  const pattern = route.path
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => {
      const m = /^\{([^}+]+)(\+?)\}$/.exec(segment)
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      names.push(m[1]!)
      return m[2] ? '(.+)' : '([^/]+)'
    })
    .join('/')
  c = { regex: new RegExp(`^${pattern || ''}/?$`), names }
  compiled.set(route, c)
  return c
}

/** Exact paths before templated ones, as API Gateway prefers the most specific route. */
export function matchHttpRoute(
  routes: readonly HttpRoute[],
  /** `undefined`: a route of any method on the path. */
  method: string | undefined,
  path: string,
): HttpMatch | undefined {
  let best: HttpMatch | undefined
  let bestScore = -1
  for (const route of routes) {
    if (method !== undefined && route.method !== 'ANY' && route.method !== method.toUpperCase()) continue
    const { regex, names } = compile(route)
    const m = regex.exec(path)
    if (!m) continue
    // More literal segments, then a specific method, win.
    const score =
      route.path.split('/').filter((s) => s && !s.startsWith('{')).length * 10 +
      (route.method === 'ANY' ? 0 : 1) -
      (route.path.includes('+}') ? 5 : 0)
    if (score <= bestScore) continue
    const pathParameters: Record<string, string> = {}
    names.forEach((name, i) => {
      pathParameters[name] = m[i + 1]!
    })
    best = { route, pathParameters }
    bestScore = score
  }
  return best
}
