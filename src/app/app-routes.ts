import type { AuthorizerHandler } from './authorizer.js'
import { compose, type Handler, type Middleware } from './compose.js'
import { RouteRegistrationError } from './errors.js'
import { checkRouteOptions, isRouteOptions, messageRunner, type WebSocketRouteOptions } from './messages.js'
import { HttpRouter, type Route, validateRouteKey } from './routes.js'

// What an App has registered (middleware, routes, authorizer), checked as it is added:
// app.ts is the public face over it, the dispatch-*.ts files read it per event.

export type RouteArgs = [...Middleware[], Handler]

export class AppRoutes {
  readonly middleware: Middleware[] = []
  readonly webSocket = new Map<string, Route>()
  readonly http = new HttpRouter()
  authorizer: AuthorizerHandler | undefined

  use(middleware: Middleware[]): void {
    for (const m of middleware) {
      if (typeof m !== 'function') throw new RouteRegistrationError('middleware must be a function')
      this.middleware.push(m)
    }
    for (const r of this.webSocket.values()) r.run = undefined
    for (const r of this.http.all) r.run = undefined
  }

  addWebSocket(routeKey: string, rest: unknown[]): void {
    validateRouteKey(routeKey)
    if (this.webSocket.has(routeKey))
      throw new RouteRegistrationError(`duplicate WebSocket route ${routeKey}`)
    const options = isRouteOptions(rest[0]) ? (rest.shift() as WebSocketRouteOptions) : {}
    checkRouteOptions(options, routeKey)
    const lifecycle = routeKey === '$connect' || routeKey === '$disconnect'
    this.webSocket.set(routeKey, {
      key: routeKey,
      ...splitArgs(rest as RouteArgs, routeKey),
      ...(lifecycle ? {} : { message: options }),
    })
  }

  addHttp(method: string, path: string, args: RouteArgs): void {
    this.http.add(method, path, splitArgs(args, `${method} ${path}`) as Route)
  }

  setAuthorizer(handler: AuthorizerHandler): void {
    if (this.authorizer) throw new RouteRegistrationError('an authorizer is already registered')
    this.authorizer = handler
  }

  /** The route's handler inside the app's middleware; composed once, until use() adds more. */
  runner(route: Route): Handler {
    route.run ??= route.message
      ? messageRunner(compose(this.middleware.concat(route.middleware), route.handler), route.message)
      : compose(this.middleware.concat(route.middleware), route.handler)
    return route.run
  }
}

function splitArgs(args: RouteArgs, what: string): { middleware: Middleware[]; handler: Handler } {
  if (args.length === 0) throw new RouteRegistrationError(`route ${what} needs a handler`)
  for (const a of args) {
    if (typeof a !== 'function')
      throw new RouteRegistrationError(`route ${what}: handlers and middleware must be functions`)
  }
  return { middleware: args.slice(0, -1) as Middleware[], handler: args[args.length - 1] as Handler }
}
