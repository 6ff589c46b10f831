import type { CorsOptions } from '../app/cors-rules.js'
import { compileRouteSelection, type RouteSelector } from '../websocket/route-selection.js'
import { GatewayOptionError } from './errors.js'

// The gateway's options, and their AWS defaults (semantics page, section 5).

/** Any Lambda handler: `app.handler`, or a plain `(event, context) => result` (callback style too). */
export type LambdaHandler = (
  event: any,
  context: any,
  callback?: (error?: unknown, result?: unknown) => void,
) => unknown

export interface Integrations {
  /** The function behind every route (and the HTTP routes), unless `routes` names another. */
  handler?: LambdaHandler
  /** Per-route functions (`$connect`, `$disconnect`, `$default`, `sendmessage`, ...). */
  routes?: Record<string, LambdaHandler>
  /** The `$connect` REQUEST authorizer (an App with `app.authorizer()` needs none here). */
  authorizer?: LambdaHandler
  /**
   * HTTP routes with their own functions (a project file's `http`/`httpApi` events).
   * A request matches the first route by method and path; the main handler serves the rest.
   */
  httpRoutes?: HttpRoute[]
}

/** One HTTP route: `POST /broadcast/comments`, `GET /items/{id}`, `ANY /{proxy+}`. */
export interface HttpRoute {
  /** Upper-case method, or `ANY`. */
  method: string
  path: string
  handler: LambdaHandler
  /** REST (V1) proxy events (default) or HTTP API (V2) ones. */
  events?: 'rest' | 'v2'
  /** The function's own timeout (default the integration timeout). */
  timeoutMs?: number
  functionName?: string
  /**
   * The CORS configuration of this route's API (a project file's `cors`), instead of the
   * gateway-wide `cors`. As API Gateway answers it: on a REST route (`events: 'rest'`) an
   * OPTIONS method answered 200 by the gateway (the Serverless Framework's and SAM's MOCK
   * integration) and the function's responses untouched; on an HTTP API route preflights
   * answered 204 and the configured headers replacing the function's own on every response.
   */
  cors?: CorsOptions
}

/** The inspector page at `/_socketeer/` (docs/inspector.md). */
export interface InspectorOptions {
  /** Records kept for the page (a ring); default 500. */
  maxEvents?: number
  /** Bodies, payloads and printed output are kept up to this many characters; default 65536. */
  maxBodyBytes?: number
  /** Answer peers other than this machine; default false (the page can post to and close any connection). */
  allowRemote?: boolean
  /** The module "copy as test" imports the App from, relative to the project root; default `./app.js`. */
  appImport?: string
}

export interface GatewayOptions extends Integrations {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 3001; 0 picks a free port. */
  port?: number
  /**
   * The HTTP routes on a second port as well, as serverless-offline serves `http` and
   * `httpApi` events on its httpPort (3000) while WebSockets and @connections are on its
   * websocketPort (3001): the same routes, CORS and Host checks; no WebSocket, no
   * @connections and no inspector there. `port` keeps serving the HTTP routes too.
   * 0 picks a free port; the same as `port` opens nothing more. Default none.
   */
  httpPort?: number
  /** Default `dev`. */
  stage?: string
  /**
   * The path clients connect to, as a custom domain's API mapping serves the API (events
   * still carry the stage). `''` serves the root (`ws://127.0.0.1:3001`), as a root
   * mapping does and as serverless-offline users connect; `/chat` a mapping path.
   * Default: `/{stage}`, the execute-api URL. `/{stage}` keeps working either way.
   */
  basePath?: string
  /**
   * CORS for the HTTP routes, as API Gateway's CORS configuration does: OPTIONS preflights
   * are answered by the gateway (the handler never sees them) and CORS headers are added to
   * the handler's responses. `true` allows any origin. Default off.
   */
  cors?: boolean | CorsOptions
  /** Default `$request.body.action`; nested paths and `${request.body.x}` templates work. */
  routeSelectionExpression?: string
  /** Routes whose returned body is sent back as a frame (a route response); `true` for all. */
  routeResponses?: string[] | boolean
  /**
   * Routes answered by the gateway itself, as a MOCK integration without a route
   * response answers on AWS: no function runs, nothing is sent back; the frame only
   * resets the idle timer. socketeer/client's keepalive is `socketeer.keepalive`
   * (the CDK construct's `keepaliveRoute: true`). Default none.
   */
  keepaliveRoutes?: string[]
  /** Default 10 minutes. */
  idleTimeoutMs?: number
  /** Default 2 hours. */
  lifetimeMs?: number
  /** Default 29 s. */
  integrationTimeoutMs?: number
  /** HTTP requests to the handler as REST (V1) proxy events (default) or HTTP API (V2) ones; `false` for none. */
  http?: 'rest' | 'v2' | false
  /** One readable line per event; default stdout; `false` for none. */
  logger?: ((line: string) => void) | false
  /**
   * `apiId` in events, in AWS's shape (10 lower-case letters and digits); default
   * `localapi01`. `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}` leads to
   * this gateway from the handlers it runs.
   */
  apiId?: string
  /** A connection whose unsent data exceeds this gets 429 on post (default 1 MiB). */
  sendBufferLimitBytes?: number
  /**
   * Handlers in this process reach the gateway through the AWS SDK, which wants credentials.
   * When none are configured, dummy ones are set in process.env (default true).
   */
  dummyCredentials?: boolean
  /**
   * Extra names the gateway answers to besides loopback names and its bound address (a
   * tunnel's or a LAN name, `name` or `name:port`, matched exactly). A request with any
   * other `Host` is refused with 403, and events take `domainName` only from an allowed
   * Host: handlers send signed @connections calls there.
   */
  allowedHosts?: string[]
  /**
   * Handlers in this process reach @connections in-process (same model, same typed
   * errors, no HTTP round trip through the SDK). `false` sends their calls over HTTP
   * like every other client. Default true.
   */
  inProcessManagement?: boolean
  /** Serve the inspector at `/_socketeer/` (default false here; `socketeer dev` turns it on). */
  inspector?: boolean | InspectorOptions
  /**
   * The port speaks https too (a certificate made at start, trusted by the handlers the
   * gateway runs), so `https://{domainName}/{stage}` reaches it. Needs the `selfsigned`
   * package. Default true.
   */
  tls?: boolean
  /**
   * Sets SOCKETEER_MANAGEMENT_ENDPOINT, AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI, a region
   * and the CA bundle in process.env while the gateway runs, where not set already.
   * Default true.
   */
  handlerEnv?: boolean
  /**
   * Also answer @connections at `/@connections/{id}`, without the stage, as
   * serverless-offline does (API Gateway itself answers 403 there), while clients still
   * connect at `/{stage}`: `basePath: ''` for @connections alone. Default false.
   */
  connectionsWithoutStage?: boolean
  /**
   * The `$connect` authorizer's identity sources (`route.request.header.Auth`,
   * `route.request.querystring.token`): a handshake missing one is refused with 401
   * without calling the authorizer, as API Gateway does.
   */
  authorizerIdentitySource?: string[]
}

/** Options a running gateway takes on `update()` (a reloaded project file), besides its integrations. */
export type LiveOptions = Pick<
  GatewayOptions,
  'routeResponses' | 'routeSelectionExpression' | 'authorizerIdentitySource'
>

/** Applies live options to resolved ones (what `update()` does). */
export function applyLive(resolved: ResolvedOptions, live: LiveOptions): void {
  const next = resolveOptions({ ...live, port: resolved.port, stage: resolved.stage })
  resolved.routeResponses = next.routeResponses
  resolved.expression = next.expression
  resolved.selectRouteKey = next.selectRouteKey
  resolved.authorizerIdentitySource = next.authorizerIdentitySource
}

export interface ResolvedOptions {
  host: string
  port: number
  /** A second port for the HTTP routes; undefined when there is none. */
  httpPort: number | undefined
  stage: string
  /** Normalised: `''` (root) or `/a/b`; undefined when only `/{stage}` is served. */
  basePath: string | undefined
  cors: CorsOptions | undefined
  apiId: string
  expression: string
  selectRouteKey: RouteSelector
  routeResponses: (routeKey: string) => boolean
  keepaliveRoutes: ReadonlySet<string>
  idleTimeoutMs: number
  lifetimeMs: number
  integrationTimeoutMs: number
  http: 'rest' | 'v2' | false
  log: ((line: string) => void) | undefined
  sendBufferLimitBytes: number
  dummyCredentials: boolean
  inProcessManagement: boolean
  tls: boolean
  handlerEnv: boolean
  /**
   * Where @connections also answers besides `/{stage}`: the base path, and `''` with
   * connectionsWithoutStage (base-path.ts applies it).
   */
  connectionsBases: string[]
  authorizerIdentitySource: string[]
  allowedHosts: string[]
}

/** The events' `apiId` when none is given: shaped as AWS's are, so code that checks the shape accepts it. */
export const DEFAULT_API_ID = 'localapi01'

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 3001,
  stage: 'dev',
  apiId: DEFAULT_API_ID,
  routeSelectionExpression: '$request.body.action',
  idleTimeoutMs: 10 * 60_000,
  lifetimeMs: 2 * 60 * 60_000,
  integrationTimeoutMs: 29_000,
  sendBufferLimitBytes: 1024 * 1024,
} as const

/** Limits of the service itself, not options (semantics page, section 5). */
export const MAX_FRAME_BYTES = 32 * 1024

/** The longest delay Node's timers take; a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2_147_483_647

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0)
    throw new GatewayOptionError(`${name} must be a positive number of ms`)
  return value
}

function duration(name: string, value: number | undefined, fallback: number): number {
  const ms = positive(name, value, fallback)
  if (ms > MAX_TIMER_MS)
    throw new GatewayOptionError(`${name} must be at most ${MAX_TIMER_MS} ms (about 24.8 days), got ${ms}`)
  return ms
}

/** `''`, `/` → `''` (root); `chat/`, `/chat` → `/chat`. */
export function basePathOf(path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  const trimmed = path.trim().replace(/^\/+|\/+$/g, '')
  if (trimmed === '') return ''
  if (!/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(trimmed))
    throw new GatewayOptionError(
      `basePath must be a URL path like /chat, or '' for the root: ${JSON.stringify(path)}`,
    )
  return `/${trimmed}`
}

function allowedHosts(value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((h) => typeof h === 'string' && h.trim() !== ''))
    throw new GatewayOptionError('allowedHosts must be an array of host names (name or name:port)')
  return value.map((h) => h.trim().toLowerCase())
}

export function resolveOptions(options: GatewayOptions): ResolvedOptions {
  const stage = options.stage ?? DEFAULTS.stage
  if (!/^[A-Za-z0-9_-]+$/.test(stage))
    throw new GatewayOptionError(`stage must be letters, digits, - or _: ${JSON.stringify(stage)}`)
  const port = options.port ?? DEFAULTS.port
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new GatewayOptionError(`invalid port ${port}`)
  const httpPort = options.httpPort
  if (httpPort !== undefined && (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535))
    throw new GatewayOptionError(`invalid httpPort ${httpPort}`)
  const expression = options.routeSelectionExpression ?? DEFAULTS.routeSelectionExpression
  const rr = options.routeResponses ?? false
  const rrSet = new Set(Array.isArray(rr) ? rr : [])
  const basePath = basePathOf(options.basePath)
  return {
    host: options.host ?? DEFAULTS.host,
    port,
    httpPort,
    stage,
    basePath,
    cors: options.cors === true ? {} : options.cors || undefined,
    apiId: options.apiId ?? DEFAULTS.apiId,
    expression,
    selectRouteKey: compileRouteSelection(expression),
    routeResponses: rr === true ? () => true : (key) => rrSet.has(key),
    keepaliveRoutes: new Set(options.keepaliveRoutes ?? []),
    idleTimeoutMs: duration('idleTimeoutMs', options.idleTimeoutMs, DEFAULTS.idleTimeoutMs),
    lifetimeMs: duration('lifetimeMs', options.lifetimeMs, DEFAULTS.lifetimeMs),
    integrationTimeoutMs: duration(
      'integrationTimeoutMs',
      options.integrationTimeoutMs,
      DEFAULTS.integrationTimeoutMs,
    ),
    http: options.http ?? 'rest',
    log:
      options.logger === false
        ? undefined
        : (options.logger ?? ((line) => process.stdout.write(`${line}\n`))),
    sendBufferLimitBytes: positive(
      'sendBufferLimitBytes',
      options.sendBufferLimitBytes,
      DEFAULTS.sendBufferLimitBytes,
    ),
    dummyCredentials: options.dummyCredentials ?? true,
    inProcessManagement: options.inProcessManagement ?? true,
    tls: options.tls ?? true,
    handlerEnv: options.handlerEnv ?? true,
    connectionsBases: [
      ...new Set([
        ...(basePath === undefined ? [] : [basePath]),
        ...(options.connectionsWithoutStage ? [''] : []),
      ]),
    ],
    authorizerIdentitySource: options.authorizerIdentitySource ?? [],
    allowedHosts: allowedHosts(options.allowedHosts),
  }
}
