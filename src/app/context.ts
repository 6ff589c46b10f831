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
import type { CallOptions, StreamerClient } from '../streamer/types.js'
import { WebSocketContext, type WebSocketHost } from '../websocket/context.js'
import type { EndpointOptions } from '../websocket/endpoint.js'

/** What a Context needs from its App. */
export interface ContextHost {
  endpointOptions: EndpointOptions
  region?: string
  deadlineMarginMs: number
  loggerFor(requestId: string): Logger
  streamerFor(endpoint: string, region: string | undefined): StreamerClient
}

/** An HTTP response a handler returns; plain values are turned into one for you. */
export class HttpResponse {
  constructor(
    readonly status: number,
    readonly body: string | Uint8Array | undefined,
    readonly headers: Record<string, string> = {},
  ) {}
}

export interface HttpRequestView extends HttpRequest {
  params: Record<string, string>
  header(name: string): string | undefined
  text(): string
  json<T = unknown>(): T
  json<S extends StandardSchemaV1>(schema: S): InferOutput<S>
  jsonAsync<S extends StandardSchemaV1>(schema: S): Promise<InferOutput<S>>
}

function makeRequestView(request: HttpRequest, params: Record<string, string>): HttpRequestView {
  const text = () =>
    request.body === undefined
      ? ''
      : request.isBase64Encoded
        ? Buffer.from(request.body, 'base64').toString('utf8')
        : request.body
  return {
    ...request,
    params,
    header: (name) => request.headers[name.toLowerCase()],
    text,
    json: ((schema?: StandardSchemaV1) => {
      const value = parseJsonBody(text())
      return schema ? validateSync(schema, value) : value
    }) as HttpRequestView['json'],
    jsonAsync: (schema) => validateAsync(schema, parseJsonBody(text())),
  }
}

/**
 * The per-invocation context every handler and middleware receives, for WebSocket
 * and HTTP triggers alike. Costly parts (logger, WebSocket view, request view) are
 * built on first use.
 */
export class Context implements WebSocketHost {
  /** Free-form per-request state for middleware to share. */
  readonly state: Record<string, unknown> = {}
  #ws: WebSocketContext | undefined
  #log: Logger | undefined
  #req: HttpRequestView | undefined
  #request: HttpRequest | undefined
  #params: Record<string, string> | undefined

  constructor(
    private readonly host: ContextHost,
    readonly trigger: TriggerKind,
    readonly event: unknown,
    readonly lambdaContext: LambdaContext | undefined,
    readonly requestId: string,
  ) {}

  get endpointOptions(): EndpointOptions {
    return this.host.endpointOptions
  }
  get region(): string | undefined {
    return this.host.region
  }
  streamerFor(endpoint: string, region: string | undefined): StreamerClient {
    return this.host.streamerFor(endpoint, region)
  }

  /** Milliseconds left before Lambda stops this invocation (Infinity outside Lambda). */
  remainingTimeMs(): number {
    const fn = this.lambdaContext?.getRemainingTimeInMillis
    return typeof fn === 'function' ? fn.call(this.lambdaContext) : Number.POSITIVE_INFINITY
  }

  /** Management calls stop retrying before the Lambda's own deadline. */
  callOptions(): CallOptions {
    const remaining = this.remainingTimeMs()
    return remaining === Number.POSITIVE_INFINITY
      ? {}
      : { deadline: Date.now() + remaining - this.host.deadlineMarginMs }
  }

  get log(): Logger {
    this.#log ??= this.host.loggerFor(this.requestId)
    return this.#log
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
    this.#req = makeRequestView(this.#request, this.#params ?? {})
    return this.#req
  }

  json(value: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
    return new HttpResponse(status, JSON.stringify(value), { 'content-type': 'application/json', ...headers })
  }
  text(value: string, status = 200, headers: Record<string, string> = {}): HttpResponse {
    return new HttpResponse(status, value, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  }
  html(value: string, status = 200, headers: Record<string, string> = {}): HttpResponse {
    return new HttpResponse(status, value, { 'content-type': 'text/html; charset=utf-8', ...headers })
  }
  body(
    value: string | Uint8Array | undefined,
    status = 200,
    headers: Record<string, string> = {},
  ): HttpResponse {
    return new HttpResponse(status, value, headers)
  }
}
