import type { ConnectionStore } from '../connections/types.js'
import { AppError } from '../errors.js'
import type { TriggerKind } from '../events/detect.js'
import type { HttpRequest } from '../events/http.js'
import type { LambdaContext, WebSocketEvent } from '../events/types.js'
import {
  type InferOutput,
  parseJsonBody,
  type StandardSchemaV1,
  validateAsync,
  validateSync,
} from '../json.js'
import type { Logger } from '../log.js'
import type { EndpointOptions } from '../streamer/endpoint.js'
import type { CallOptions, StreamerClient } from '../streamer/types.js'
import { WebSocketContext, type WebSocketHost } from '../websocket/context.js'

/** What a Context needs from its App. */
export interface ContextHost {
  endpointOptions: EndpointOptions
  region?: string
  deadlineMarginMs: number
  loggerFor(requestId: string): Logger
  streamerFor(endpoint: string, region: string | undefined): StreamerClient
  connections?: ConnectionStore
}

/**
 * Response headers: an array sends the header once per value, e.g. several
 * `set-cookie` (REST: `multiValueHeaders`; HTTP API and Function URL: `cookies`; ALB:
 * `multiValueHeaders` when the target group has them on).
 */
export type ResponseHeaders = Record<string, string | string[]>

/** An HTTP response a handler returns; plain values are turned into one for you. */
export class HttpResponse {
  constructor(
    readonly status: number,
    readonly body: string | Uint8Array | undefined,
    readonly headers: ResponseHeaders = {},
  ) {}
}

/**
 * The HTTP request as handlers see it. A class, not a spread object with closures:
 * methods live on the prototype, so a request costs one small allocation.
 */
export class HttpRequestView implements HttpRequest {
  readonly method: string
  readonly path: string
  /** Lower-cased header names. */
  readonly headers: Record<string, string>
  /** One value per name (the last on REST/ALB, comma-joined on HTTP API); `queries(name)` has them all. */
  readonly query: Record<string, string>
  readonly queryLists: Record<string, string[]>
  readonly body: string | undefined
  readonly isBase64Encoded: boolean
  readonly sourceIp: string | undefined

  constructor(
    request: HttpRequest,
    readonly params: Record<string, string>,
  ) {
    this.method = request.method
    this.path = request.path
    this.headers = request.headers
    this.query = request.query
    this.queryLists = request.queryLists
    this.body = request.body
    this.isBase64Encoded = request.isBase64Encoded
    this.sourceIp = request.sourceIp
  }

  header(name: string): string | undefined {
    return Object.hasOwn(this.headers, name.toLowerCase()) ? this.headers[name.toLowerCase()] : undefined
  }
  /** Every value of a query parameter, in order (`?tag=a&tag=b` → `['a', 'b']`); `[]` when absent. */
  queries(name: string): string[] {
    return Object.hasOwn(this.queryLists, name) ? this.queryLists[name]! : []
  }
  text(): string {
    if (this.body === undefined) return ''
    return this.isBase64Encoded ? Buffer.from(this.body, 'base64').toString('utf8') : this.body
  }
  json<T = unknown>(): T
  json<S extends StandardSchemaV1>(schema: S): InferOutput<S>
  json(schema?: StandardSchemaV1): unknown {
    const value = parseJsonBody(this.text())
    return schema ? validateSync(schema, value) : value
  }
  jsonAsync<S extends StandardSchemaV1>(schema: S): Promise<InferOutput<S>> {
    return validateAsync(schema, parseJsonBody(this.text()))
  }
}

/**
 * The per-invocation context every handler and middleware receives, for WebSocket
 * and HTTP triggers alike. Costly parts (logger, WebSocket view, request view) are
 * built on first use.
 */
export class Context implements WebSocketHost {
  #state: Record<string, unknown> | undefined
  #ws: WebSocketContext | undefined
  #log: Logger | undefined
  #req: HttpRequestView | undefined
  #request: HttpRequest | undefined
  #params: Record<string, string> | undefined
  /** The client frame (`{action, data, id}`) of a WebSocket message, when it is one (socketeer/client). */
  message: { action: string; data?: unknown; id?: string } | undefined = undefined
  /** That frame's `data`; validated by the route's schema when one is declared. */
  data: unknown = undefined

  constructor(
    private readonly host: ContextHost,
    readonly trigger: TriggerKind,
    readonly event: unknown,
    readonly lambdaContext: LambdaContext | undefined,
    readonly requestId: string,
  ) {}

  /** Free-form per-request state for middleware to share (made on first use). */
  get state(): Record<string, unknown> {
    this.#state ??= {}
    return this.#state
  }

  get endpointOptions(): EndpointOptions {
    return this.host.endpointOptions
  }
  get region(): string | undefined {
    return this.host.region
  }
  /**
   * The App's @connections client for an endpoint (cached, so it may outlive this
   * invocation). Pass `ctx.callOptions()` to a call to give it this invocation's deadline
   * and request id, as the WebSocket view's verbs do.
   */
  streamerFor(endpoint: string, region: string | undefined): StreamerClient {
    return this.host.streamerFor(endpoint, region)
  }
  /** The App's connection store, if one is configured. */
  get connections(): ConnectionStore | undefined {
    return this.host.connections
  }

  /** Milliseconds left before Lambda stops this invocation (Infinity outside Lambda). */
  remainingTimeMs(): number {
    const fn = this.lambdaContext?.getRemainingTimeInMillis
    return typeof fn === 'function' ? fn.call(this.lambdaContext) : Number.POSITIVE_INFINITY
  }

  /** Management calls stop retrying before the Lambda's own deadline. */
  callOptions(): CallOptions {
    const remaining = this.remainingTimeMs()
    const options: CallOptions =
      remaining === Number.POSITIVE_INFINITY
        ? {}
        : { deadline: Date.now() + remaining - this.host.deadlineMarginMs }
    // Names the invocation to a local gateway's inspector; AWS never sees it.
    const id = this.lambdaContext?.awsRequestId
    if (typeof id === 'string') options.requestId = id
    return options
  }

  /** A JSON logger bound to the request id; middleware may replace it (e.g. with a Powertools child logger). */
  get log(): Logger {
    this.#log ??= this.host.loggerFor(this.requestId)
    return this.#log
  }
  set log(logger: Logger) {
    this.#log = logger
  }

  /** @internal The subprotocol `$connect` accepted, without building the WebSocket view for it. */
  get acceptedProtocol(): string | undefined {
    return this.#ws?.acceptedProtocol
  }

  /** The portable WebSocket view; throws `not_websocket` on any other trigger. */
  asWebSocket(): WebSocketContext {
    if (this.#ws) return this.#ws
    if (this.trigger !== 'websocket') {
      throw new AppError('not_websocket', `asWebSocket() called on a ${this.trigger} event`)
    }
    this.#ws = new WebSocketContext(this.event as WebSocketEvent, this)
    return this.#ws
  }

  /** True when this invocation is a WebSocket event. */
  get isWebSocket(): boolean {
    return this.trigger === 'websocket'
  }

  /** Refuses the request (on `$connect`, the handshake) with this status. */
  reject(status: number, message?: string): never {
    throw AppError.fromStatus(status, message)
  }

  /** @internal set by the App for HTTP triggers. */
  setHttp(request: HttpRequest, params: Record<string, string>): void {
    this.#request = request
    this.#params = params
  }

  /** The HTTP request; throws on WebSocket events. */
  get req(): HttpRequestView {
    if (this.#req) return this.#req
    if (!this.#request)
      throw new AppError('internal', `ctx.req is only available on HTTP triggers, not ${this.trigger}`)
    this.#req = new HttpRequestView(this.#request, this.#params ?? {})
    return this.#req
  }

  json(value: unknown, status = 200, headers: ResponseHeaders = {}): HttpResponse {
    return new HttpResponse(status, JSON.stringify(value), { 'content-type': 'application/json', ...headers })
  }
  text(value: string, status = 200, headers: ResponseHeaders = {}): HttpResponse {
    return new HttpResponse(status, value, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  }
  html(value: string, status = 200, headers: ResponseHeaders = {}): HttpResponse {
    return new HttpResponse(status, value, { 'content-type': 'text/html; charset=utf-8', ...headers })
  }
  body(value: string | Uint8Array | undefined, status = 200, headers: ResponseHeaders = {}): HttpResponse {
    return new HttpResponse(status, value, headers)
  }
}
