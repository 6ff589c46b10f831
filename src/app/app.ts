import type {
  BroadcastTarget,
  ConnectionsBroadcastOptions,
  ConnectionsBroadcastResult,
} from '../connections/broadcast.js'
import { afterHandlers, beforeHandlers, broadcastFromApp } from '../connections/lifecycle.js'
import { type PushOptions, pushToSession, type SessionPushResult } from '../connections/sessions.js'
import type { ConnectionStore } from '../connections/types.js'
import { MANAGEMENT_ENDPOINT_ENV } from '../env.js'
import { AppError, errorEnvelope } from '../errors.js'
import { describeEvent } from '../events/describe.js'
import { detectTrigger, type TriggerKind } from '../events/detect.js'
import { type HttpRequest, parseAlbEvent, parseHttpApiEvent, parseRestEvent } from '../events/http.js'
import type {
  AlbEvent,
  AuthorizerRequestEvent,
  HttpApiEvent,
  HttpResult,
  LambdaContext,
  RestApiEvent,
  WebSocketEvent,
  WebSocketResult,
} from '../events/types.js'
import type { StandardSchemaV1 } from '../json.js'
import { createJsonLogger, type Logger, type LoggerFactory, type LogLevel } from '../log.js'
import { RESUME_ACTION } from '../protocol/frames.js'
import { resolveEndpoint } from '../streamer/config.js'
import type { EndpointOptions } from '../streamer/endpoint.js'
import { defaultStreamerFactory } from '../streamer/factory.js'
import { regionFromHost } from '../streamer/region.js'
import type { PostData, StreamerClient, StreamerFactory } from '../streamer/types.js'
import { type AuthorizerHandler, runAuthorizer } from './authorizer.js'
import { compose, type Handler, type Middleware } from './compose.js'
import { Context, type ContextHost } from './context.js'
import { RouteRegistrationError, UnknownEventError } from './errors.js'
import { APP_INTEGRATION, type AppIntegration } from './integration.js'
import {
  checkRouteOptions,
  type InferInput,
  isRouteOptions,
  messageRunner,
  type RouteEntry,
  type TypedRouteArgs,
  type WebSocketRouteOptions,
} from './messages.js'
import {
  httpErrorResponse,
  httpResult,
  toHttpResponse,
  webSocketErrorResult,
  webSocketResult,
} from './respond.js'
import { answerResume, isResume } from './resume.js'
import { HttpRouter, type Route, validateRouteKey } from './routes.js'
import { scopedStreamer } from './streamer-scope.js'

export interface AppOptions {
  /** An explicit @connections endpoint; wins over derivation from the event. `wss://` is normalised. */
  managementEndpoint?: string
  /** Base path of the API mapping when the API is served on a custom domain (default: root mapping). */
  basePath?: string
  /** Region for the management client; default from the endpoint host, else AWS_REGION. */
  region?: string
  /** Makes the @connections client; tests inject a fake here. */
  streamer?: StreamerFactory
  /** Your logger (used as is) or a factory called once per request that logs. */
  logger?: Logger | LoggerFactory
  logLevel?: LogLevel
  /** Management calls stop retrying this long before the Lambda deadline (default 250 ms). */
  deadlineMarginMs?: number
  /** Connection registry: saved after an accepted `$connect`, deleted before `$disconnect` handlers; enables ws.join/leave/broadcast. */
  connections?: ConnectionStore
}

/** A Lambda result for whichever trigger delivered the event. */
export type LambdaResult = WebSocketResult | HttpResult | AuthorizerResult
export type { AuthorizerResult } from './authorizer.js'

import type { AuthorizerResult } from './authorizer.js'

type RouteArgs = [...Middleware[], Handler]

/**
 * `Routes` records each WebSocket route's data and reply types as routes are registered
 * (`app.webSocket()` returns the widened App), for socketeer/client to read from `typeof app`.
 */
export class App<Routes extends object = {}> implements ContextHost {
  /** Type-only: the routes' data and reply types. Never set at run time. */
  declare readonly '~routes': Routes
  readonly endpointOptions: EndpointOptions
  readonly region?: string
  readonly deadlineMarginMs: number
  readonly connections?: ConnectionStore
  readonly #middleware: Middleware[] = []
  readonly #ws = new Map<string, Route>()
  readonly #http = new HttpRouter()
  readonly #streamer: StreamerFactory
  readonly #loggerFactory: LoggerFactory
  #authorizer: AuthorizerHandler | undefined

  constructor(options: AppOptions = {}) {
    // An empty string means "not set", from the options as from the environment.
    const explicit = options.managementEndpoint || process.env[MANAGEMENT_ENDPOINT_ENV] || undefined
    this.endpointOptions = {
      // Checked now, by the streamer's own rule: a malformed or stage-less endpoint fails
      // at start-up, not as a 500 on the first send.
      endpoint: explicit === undefined ? undefined : resolveEndpoint(explicit),
      basePath: options.basePath,
    }
    // An explicit endpoint may name another region than the events' hosts: sign for it.
    const region =
      options.region ||
      (this.endpointOptions.endpoint === undefined
        ? undefined
        : regionFromHost(this.endpointOptions.endpoint))
    if (region) this.region = region
    this.deadlineMarginMs = options.deadlineMarginMs ?? 250
    if (options.connections) this.connections = options.connections
    this.#streamer = options.streamer ?? defaultStreamerFactory
    const logger = options.logger
    if (typeof logger === 'function') this.#loggerFactory = logger
    else if (logger) this.#loggerFactory = () => logger
    else
      this.#loggerFactory = ({ requestId }) =>
        createJsonLogger({ level: options.logLevel, fields: { requestId } })
    // Read live: routes are registered after construction.
    Object.defineProperty(this.handler, APP_INTEGRATION, {
      value: (): AppIntegration => {
        const described: AppIntegration = {
          webSocketRoutes: this.webSocketRoutes,
          authorizer: this.#authorizer !== undefined,
          httpRoutes: this.#http.all.map((r) => r.key),
        }
        if (this.connections) described.connections = this.connections
        return described
      },
    })
  }

  /** App-wide middleware, outermost first; applies to WebSocket and HTTP routes alike. */
  use(...middleware: Middleware[]): this {
    for (const m of middleware) {
      if (typeof m !== 'function') throw new RouteRegistrationError('middleware must be a function')
      this.#middleware.push(m)
    }
    for (const r of this.#ws.values()) r.run = undefined
    for (const r of this.#http.all) r.run = undefined
    return this
  }

  /**
   * Registers a WebSocket route: `$connect`, `$disconnect`, `$default` or a custom key.
   * Options first (`{ data: schema, routeResponse }`) validate and type the frame's data;
   * a request's reply is whatever the handler returns.
   */
  webSocket<K extends string, S extends StandardSchemaV1, R>(
    routeKey: K,
    options: WebSocketRouteOptions<S>,
    ...args: TypedRouteArgs<S, R>
  ): App<Routes & { [P in K]: RouteEntry<InferInput<S>, R> }>
  webSocket<K extends string, R>(
    routeKey: K,
    ...args: [...Middleware[], (ctx: Context) => R]
  ): App<Routes & { [P in K]: RouteEntry<unknown, R> }>
  webSocket(routeKey: string, ...rest: unknown[]): unknown {
    validateRouteKey(routeKey)
    if (this.#ws.has(routeKey)) throw new RouteRegistrationError(`duplicate WebSocket route ${routeKey}`)
    const options = isRouteOptions(rest[0]) ? (rest.shift() as WebSocketRouteOptions) : {}
    checkRouteOptions(options, routeKey)
    const lifecycle = routeKey === '$connect' || routeKey === '$disconnect'
    this.#ws.set(routeKey, {
      key: routeKey,
      ...splitArgs(rest as RouteArgs, routeKey),
      ...(lifecycle ? {} : { message: options }),
    })
    return this
  }

  /** Sends `data` to every live connection of a client session (socketeer/client), as a push the client takes once. */
  pushToSession(
    session: string,
    data: unknown,
    options: PushOptions & { endpoint?: string } = {},
  ): Promise<SessionPushResult> {
    return pushToSession(this, this.connections, session, data, options)
  }

  route(method: string, path: string, ...args: RouteArgs): this {
    this.#http.add(method, path, splitArgs(args, `${method} ${path}`) as Route)
    return this
  }
  get(path: string, ...args: RouteArgs): this {
    return this.route('GET', path, ...args)
  }
  post(path: string, ...args: RouteArgs): this {
    return this.route('POST', path, ...args)
  }
  put(path: string, ...args: RouteArgs): this {
    return this.route('PUT', path, ...args)
  }
  patch(path: string, ...args: RouteArgs): this {
    return this.route('PATCH', path, ...args)
  }
  delete(path: string, ...args: RouteArgs): this {
    return this.route('DELETE', path, ...args)
  }
  options(path: string, ...args: RouteArgs): this {
    return this.route('OPTIONS', path, ...args)
  }
  all(path: string, ...args: RouteArgs): this {
    return this.route('ALL', path, ...args)
  }

  /** The `$connect` REQUEST authorizer: return `{ principalId, context }` to allow, `ctx.reject(401|403)` to refuse. */
  authorizer(handler: AuthorizerHandler): this {
    if (this.#authorizer) throw new RouteRegistrationError('an authorizer is already registered')
    this.#authorizer = handler
    return this
  }

  /** Sends to a group (or ids) of the connection store, pruning gone ones; endpoint from the options or the App. */
  broadcast(
    target: BroadcastTarget,
    data: PostData,
    options: ConnectionsBroadcastOptions & { endpoint?: string } = {},
  ): Promise<ConnectionsBroadcastResult> {
    return broadcastFromApp(this, target, data, options)
  }

  /** The registered WebSocket route keys, in registration order. */
  get webSocketRoutes(): string[] {
    const keys = [...this.#ws.keys()]
    // A connection store needs both lifecycle routes integrated, with or without handlers.
    // ...and socketeer/client's resume request, which the App answers itself (app/resume.ts).
    if (this.connections)
      for (const k of ['$connect', '$disconnect', RESUME_ACTION]) if (!keys.includes(k)) keys.push(k)
    return keys
  }

  loggerFor(requestId: string): Logger {
    return this.#loggerFactory({ requestId })
  }

  streamerFor(endpoint: string, region: string | undefined): StreamerClient {
    return (scopedStreamer() ?? this.#streamer)(endpoint, { region })
  }

  /** The Lambda entry point: `export const handler = app.handler`. */
  readonly handler = (event: unknown, lambdaContext?: LambdaContext): Promise<any> => {
    try {
      switch (detectTrigger(event)) {
        case 'websocket':
          return this.#webSocket(event as WebSocketEvent, lambdaContext)
        case 'rest':
          return this.#httpRequest('rest', parseRestEvent(event as RestApiEvent), event, lambdaContext)
        case 'alb':
          return this.#httpRequest('alb', parseAlbEvent(event as AlbEvent), event, lambdaContext)
        case 'http':
          return this.#httpRequest('http', parseHttpApiEvent(event as HttpApiEvent), event, lambdaContext)
        case 'url':
          return this.#httpRequest('url', parseHttpApiEvent(event as HttpApiEvent), event, lambdaContext)
        case 'authorizer':
          return this.#authorize(event as AuthorizerRequestEvent, lambdaContext)
        default: {
          const error = new UnknownEventError(describeEvent(event))
          this.loggerFor(idOf(lambdaContext?.awsRequestId) ?? crypto.randomUUID()).error(error.message, {
            code: error.code,
          })
          return Promise.reject(error)
        }
      }
    } catch (error) {
      // A malformed event of a known kind: fail this invocation as a rejection, never a synchronous throw.
      return Promise.reject(error)
    }
  }

  #runner(route: Route): Handler {
    route.run ??= route.message
      ? messageRunner(compose(this.#middleware.concat(route.middleware), route.handler), route.message)
      : compose(this.#middleware.concat(route.middleware), route.handler)
    return route.run
  }

  // Not `async`: a route that answers synchronously (a typical `$connect`) resolves
  // without an extra async frame and await; a promise is chained once.
  #webSocket(event: WebSocketEvent, lambdaContext: LambdaContext | undefined): Promise<WebSocketResult> {
    const rc = event.requestContext
    const requestId = idOf(rc.requestId) ?? idOf(lambdaContext?.awsRequestId) ?? crypto.randomUUID()
    let route = this.#ws.get(rc.routeKey)
    if (route === undefined && rc.eventType === 'MESSAGE') route = this.#ws.get('$default')
    const ctx = new Context(this, 'websocket', event, lambdaContext, requestId)
    if (
      (route === undefined || route.key === '$default') &&
      rc.eventType === 'MESSAGE' &&
      isResume(rc.routeKey, event.body)
    )
      return answerResume(ctx, this.connections).catch((error: unknown) =>
        this.#webSocketFailure(ctx, error, RESUME_ACTION),
      )
    if (route === undefined) return this.#noWebSocketRoute(ctx, rc.routeKey, rc.eventType)
    if (this.connections !== undefined && rc.eventType !== 'MESSAGE')
      return this.#trackedWebSocket(route, ctx)
    let value: unknown
    try {
      value = this.#runner(route)(ctx)
    } catch (error) {
      return Promise.resolve(this.#webSocketFailure(ctx, error, route.key))
    }
    if (isThenable(value)) {
      const key = route.key
      return Promise.resolve(value).then(
        (v) => this.#webSocketSuccess(ctx, v, key),
        (error: unknown) => this.#webSocketFailure(ctx, error, key),
      )
    }
    return Promise.resolve(this.#webSocketSuccess(ctx, value, route.key))
  }

  #webSocketSuccess(ctx: Context, value: unknown, route: string): WebSocketResult | Promise<WebSocketResult> {
    try {
      return webSocketResult(value, ctx.acceptedProtocol)
    } catch (error) {
      // e.g. a returned value JSON.stringify refuses (BigInt, a cycle).
      return this.#webSocketFailure(ctx, error, route)
    }
  }

  #webSocketFailure(ctx: Context, error: unknown, route: string): WebSocketResult | Promise<WebSocketResult> {
    this.#logFailure(ctx, error, route)
    if (ctx.asWebSocket().eventType === 'MESSAGE') return this.#messageFailure(ctx, error)
    return webSocketErrorResult(error, ctx.requestId)
  }

  /**
   * A MESSAGE route failed. Most routes are one-way: API Gateway drops their result, so an
   * error result would never reach the client. A client error (an AppError below 500)
   * goes to the sender as the error envelope through @connections, and the result carries
   * no body (a route with a route response would otherwise send it twice). Anything else
   * fails the invocation, as a plain Lambda's throw does: API Gateway sends the sender
   * `{"message": "Internal server error", ...}` and Lambda counts an error. Locally the
   * gateway does the same with the rejection.
   */
  async #messageFailure(ctx: Context, error: unknown): Promise<WebSocketResult> {
    if (!(error instanceof AppError && error.status < 500)) throw error
    const { status, body } = errorEnvelope(error, ctx.requestId)
    try {
      await ctx.asWebSocket().send(JSON.stringify(body))
    } catch (sendError) {
      // Gone (the client left), or no permission to post: the failure is logged already.
      ctx.log.warn('could not send the error envelope to the sender', {
        requestId: ctx.requestId,
        connectionId: ctx.asWebSocket().connectionId,
        error: sendError,
      })
    }
    return { statusCode: status }
  }

  async #noWebSocketRoute(ctx: Context, routeKey: string, eventType: string): Promise<WebSocketResult> {
    // With no $connect/$disconnect route the gateway accepts and moves on.
    if (eventType !== 'MESSAGE') {
      if (!this.connections) return { statusCode: 200 }
      try {
        await beforeHandlers(this.connections, ctx.asWebSocket(), ctx.log)
        await afterHandlers(this.connections, ctx.asWebSocket(), { statusCode: 200 })
        return { statusCode: 200 }
      } catch (error) {
        return this.#webSocketFailure(ctx, error, routeKey)
      }
    }
    ctx.log.warn('no WebSocket route for this route key and no $default', {
      requestId: ctx.requestId,
      routeKey,
      registered: this.webSocketRoutes,
    })
    return this.#messageFailure(
      ctx,
      new AppError('route_not_found', `No route for ${JSON.stringify(routeKey)}`),
    )
  }

  /** `$connect`/`$disconnect` with a connection store: the store is updated around the handlers. */
  async #trackedWebSocket(route: Route, ctx: Context): Promise<WebSocketResult> {
    try {
      await beforeHandlers(this.connections, ctx.asWebSocket(), ctx.log)
      const value = await this.#runner(route)(ctx)
      const result = webSocketResult(value, ctx.acceptedProtocol)
      await afterHandlers(this.connections, ctx.asWebSocket(), result)
      return result
    } catch (error) {
      return this.#webSocketFailure(ctx, error, route.key)
    }
  }

  async #httpRequest(
    kind: TriggerKind,
    request: HttpRequest,
    event: unknown,
    lambdaContext: LambdaContext | undefined,
  ): Promise<HttpResult> {
    const requestId =
      idOf((event as { requestContext?: { requestId?: unknown } }).requestContext?.requestId) ??
      idOf(lambdaContext?.awsRequestId) ??
      crypto.randomUUID()
    const ctx = new Context(this, kind, event, lambdaContext, requestId)
    const multiValue = kind === 'alb' && (event as AlbEvent).multiValueHeaders != null
    const match = this.#http.match(request.method, request.path)
    let run: Handler
    let routeKey: string
    // No route: app middleware still runs around the 404/405 (a CORS middleware must be
    // able to answer a preflight or add its headers), and only its own failures are logged.
    let unmatched: AppError | undefined
    if ('route' in match) {
      ctx.setHttp(request, match.params)
      run = this.#runner(match.route)
      routeKey = match.route.key
    } else {
      ctx.setHttp(request, {})
      const error =
        match.allowed.length > 0
          ? new AppError('method_not_allowed', `Method ${request.method} not allowed`, {
              headers: { allow: match.allowed.join(', ') },
            })
          : new AppError('route_not_found', `No route for ${request.method} ${request.path}`)
      unmatched = error
      run = compose(this.#middleware, () => {
        throw error
      })
      routeKey = `${request.method} ${request.path}`
    }
    try {
      const value = await run(ctx)
      return httpResult(kind, toHttpResponse(value), multiValue)
    } catch (error) {
      if (unmatched === undefined || error !== unmatched) this.#logFailure(ctx, error, routeKey)
      return httpResult(kind, httpErrorResponse(error, requestId), multiValue)
    }
  }

  async #authorize(
    event: AuthorizerRequestEvent,
    lambdaContext: LambdaContext | undefined,
  ): Promise<AuthorizerResult> {
    const requestId =
      idOf(event.requestContext?.requestId) ?? idOf(lambdaContext?.awsRequestId) ?? crypto.randomUUID()
    const ctx = new Context(this, 'authorizer', event, lambdaContext, requestId)
    if (!this.#authorizer) {
      const error = new UnknownEventError(
        'a $connect REQUEST authorizer event',
        'received a $connect authorizer event but no app.authorizer() is registered',
      )
      ctx.log.error(error.message, { code: error.code, requestId })
      throw error
    }
    return runAuthorizer(this.#authorizer, ctx, event)
  }

  #logFailure(ctx: Context, error: unknown, route: string): void {
    if (error instanceof AppError && error.status < 500) {
      ctx.log.info('request rejected', {
        // Bound already by the default logger; a logger instance of the user's is not.
        requestId: ctx.requestId,
        route,
        code: error.code,
        status: error.status,
        reason: error.message,
      })
      return
    }
    ctx.log.error('handler failed', { requestId: ctx.requestId, route, error })
  }
}

/** A request id from the event or context: a non-empty string of sane length, else none. */
function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

function splitArgs(args: RouteArgs, what: string): { middleware: Middleware[]; handler: Handler } {
  if (args.length === 0) throw new RouteRegistrationError(`route ${what} needs a handler`)
  for (const a of args) {
    if (typeof a !== 'function')
      throw new RouteRegistrationError(`route ${what}: handlers and middleware must be functions`)
  }
  return { middleware: args.slice(0, -1) as Middleware[], handler: args[args.length - 1] as Handler }
}
