import { type AppIntegration, appIntegrationOf } from '../../app/integration.js'
import type { HttpRoute, Integrations, LambdaHandler } from '../options.js'
import { type HttpMatch, matchHttpRoute } from './http-match.js'

// Which function is integrated on which route. Swappable as a whole, so hot reload
// changes handlers between two events without touching live connections.

/**
 * How records name an HTTP route's own function (`http POST /broadcast`), so a replay
 * finds that function again; the main handler's HTTP side is plain `http`.
 */
export function httpFunctionKey(route: { method: string; path: string }): string {
  return `http ${route.method} ${route.path}`
}

// A plain Lambda handler cannot say which custom routes it serves: it gets the
// lifecycle routes and $default; name custom keys with `routes` (or `--route key`).
const PLAIN_HANDLER_ROUTES = new Set(['$connect', '$disconnect', '$default'])

function check(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${name} must be a Lambda handler function, got ${typeof value}`)
  }
}

export function validateIntegrations(integrations: Integrations): void {
  check('handler', integrations.handler)
  check('authorizer', integrations.authorizer)
  for (const [key, fn] of Object.entries(integrations.routes ?? {}))
    check(`routes[${JSON.stringify(key)}]`, fn)
  for (const route of integrations.httpRoutes ?? [])
    check(`httpRoutes ${route.method} ${route.path}`, route.handler)
  const any =
    integrations.handler !== undefined ||
    integrations.authorizer !== undefined ||
    Object.keys(integrations.routes ?? {}).length > 0 ||
    (integrations.httpRoutes?.length ?? 0) > 0
  if (!any) throw new TypeError('startGateway needs a handler, or routes')
}

export class IntegrationTable {
  #current: Integrations
  /** Counts updates: an event recorded under another generation ran code since reloaded. */
  generation = 0

  constructor(integrations: Integrations) {
    validateIntegrations(integrations)
    this.#current = integrations
  }

  /** Replaces every integration at once (hot reload). */
  update(integrations: Integrations): void {
    validateIntegrations(integrations)
    this.#current = integrations
    this.generation++
  }

  /** The function integrated on a route key, if any. */
  forRoute(routeKey: string): LambdaHandler | undefined {
    const { routes, handler } = this.#current
    const explicit = routes && Object.hasOwn(routes, routeKey) ? routes[routeKey] : undefined
    if (explicit) return explicit
    if (!handler) return undefined
    const app = appIntegrationOf(handler)
    const served = app ? app.webSocketRoutes.includes(routeKey) : PLAIN_HANDLER_ROUTES.has(routeKey)
    return served ? handler : undefined
  }

  /** Every route key that has an integration, for route selection. */
  routeKeys(): Set<string> {
    const { routes, handler } = this.#current
    const keys = new Set(Object.keys(routes ?? {}))
    if (handler) {
      const app = appIntegrationOf(handler)
      for (const key of app ? app.webSocketRoutes : PLAIN_HANDLER_ROUTES) keys.add(key)
    }
    return keys
  }

  /** The `$connect` authorizer: the explicit one, else the App's own when it registered one. */
  authorizer(): LambdaHandler | undefined {
    const { authorizer, handler } = this.#current
    if (authorizer) return authorizer
    return handler && appIntegrationOf(handler)?.authorizer ? handler : undefined
  }

  /** The main handler's connection registry, when it is an App with one. */
  registry(): AppIntegration['connections'] {
    return appIntegrationOf(this.#current.handler)?.connections
  }

  /** The function behind the HTTP routes (the main handler). */
  http(): LambdaHandler | undefined {
    return this.#current.handler
  }

  /** The HTTP route whose function `httpFunctionKey` names, if one still is. */
  httpRouteByKey(key: string): HttpRoute | undefined {
    return this.#current.httpRoutes?.find((route) => httpFunctionKey(route) === key)
  }

  /** The HTTP route with its own function that a request matches, if any. */
  httpRoute(method: string, path: string): HttpMatch | undefined {
    const routes = this.#current.httpRoutes
    return routes && routes.length > 0 ? matchHttpRoute(routes, method, path) : undefined
  }

  /**
   * The route whose own CORS configuration answers for a request: the one `method` would
   * reach, else any on the path (a preflight for a method the path does not serve).
   */
  corsRoute(method: string | undefined, path: string): HttpMatch | undefined {
    const routes = this.#current.httpRoutes?.filter((r) => r.cors)
    if (!routes || routes.length === 0) return undefined
    return (method && matchHttpRoute(routes, method, path)) || matchHttpRoute(routes, undefined, path)
  }
}
