import type {
  BroadcastTarget,
  ConnectionsBroadcastOptions,
  ConnectionsBroadcastResult,
} from '../connections/broadcast.js'
import { broadcastFromApp } from '../connections/lifecycle.js'
import { type PushOptions, pushToSession, type SessionPushResult } from '../connections/sessions.js'
import type { ConnectionStore } from '../connections/types.js'
import { MANAGEMENT_ENDPOINT_ENV } from '../env.js'
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
import { AppRoutes, type RouteArgs } from './app-routes.js'
import type { AuthorizerHandler } from './authorizer.js'
import type { Middleware } from './compose.js'
import type { Context, ContextHost } from './context.js'
import { idOf } from './dispatch-common.js'
import { dispatchAuthorizer, dispatchHttp } from './dispatch-http.js'
import { dispatchWebSocket } from './dispatch-websocket.js'
import { UnknownEventError } from './errors.js'
import { APP_INTEGRATION, type AppIntegration } from './integration.js'
import type { InferInput, RouteEntry, TypedRouteArgs, WebSocketRouteOptions } from './messages.js'
import { scopedStreamer } from './streamer-scope.js'

// The App: its options, the public registration API (kept in app-routes.ts) and the
// Lambda entry point, which sends each kind of event to its dispatch-*.ts.

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
  readonly #routes = new AppRoutes()
  readonly #streamer: StreamerFactory
  readonly #loggerFactory: LoggerFactory

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
          authorizer: this.#routes.authorizer !== undefined,
          httpRoutes: this.#routes.http.all.map((r) => r.key),
        }
        if (this.connections) described.connections = this.connections
        return described
      },
    })
  }

  /** App-wide middleware, outermost first; applies to WebSocket and HTTP routes alike. */
  use(...middleware: Middleware[]): this {
    this.#routes.use(middleware)
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
    this.#routes.addWebSocket(routeKey, rest)
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
    this.#routes.addHttp(method, path, args)
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
    this.#routes.setAuthorizer(handler)
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
    const keys = [...this.#routes.webSocket.keys()]
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

  #http(
    kind: TriggerKind,
    request: HttpRequest,
    event: unknown,
    lambdaContext: LambdaContext | undefined,
  ): Promise<HttpResult> {
    return dispatchHttp(this, this.#routes, kind, request, event, lambdaContext)
  }

  /** The Lambda entry point: `export const handler = app.handler`. */
  readonly handler = (event: unknown, lambdaContext?: LambdaContext): Promise<any> => {
    try {
      switch (detectTrigger(event)) {
        case 'websocket':
          return dispatchWebSocket(this, this.#routes, event as WebSocketEvent, lambdaContext)
        case 'rest':
          return this.#http('rest', parseRestEvent(event as RestApiEvent), event, lambdaContext)
        case 'alb':
          return this.#http('alb', parseAlbEvent(event as AlbEvent), event, lambdaContext)
        case 'http':
          return this.#http('http', parseHttpApiEvent(event as HttpApiEvent), event, lambdaContext)
        case 'url':
          return this.#http('url', parseHttpApiEvent(event as HttpApiEvent), event, lambdaContext)
        case 'authorizer':
          return dispatchAuthorizer(this, this.#routes, event as AuthorizerRequestEvent, lambdaContext)
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
}
