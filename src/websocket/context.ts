import type {
  BroadcastTarget,
  ConnectionsBroadcastOptions,
  ConnectionsBroadcastResult,
} from '../connections/broadcast.js'
import {
  broadcastFrom,
  departedOf,
  joinGroup,
  leaveGroup,
  sessionOf,
  setAttributes,
} from '../connections/lifecycle.js'
import { type PushOptions, pushToSession, type SessionPushResult } from '../connections/sessions.js'
import type { ConnectionStore, DeletedConnection } from '../connections/types.js'
import { AppError } from '../errors.js'
import { isRecord, strings } from '../events/maps.js'
import type { WebSocketAuthorizerContext, WebSocketEvent, WebSocketRequestContext } from '../events/types.js'
import {
  type InferOutput,
  parseJsonBody,
  type StandardSchemaV1,
  validateAsync,
  validateSync,
} from '../json.js'
import { deriveManagementEndpoint, type EndpointOptions } from '../streamer/endpoint.js'
import { regionFromHost } from '../streamer/region.js'
import type { CallOptions, ConnectionInfo, StreamerClient } from '../streamer/types.js'
import { jsonText } from '../streamer/validate.js'

/** What the WebSocket context needs from the App; kept narrow so it stays portable. */
export interface WebSocketHost {
  /** The invocation's request id: the event's, else the Lambda's, else a fresh one. */
  requestId?: string
  endpointOptions: EndpointOptions
  region?: string
  /** The client as it is: every call here passes `callOptions()` itself. */
  streamerFor(endpoint: string, region: string | undefined): StreamerClient
  callOptions(): CallOptions
  connections?: ConnectionStore
}

const stringOr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const numberOr = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN)

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The portable view of one WebSocket event: connection facts, the message body and
 * the way back to the client. Fields are read from the event on demand, so building
 * one costs nothing for what a handler does not touch.
 */
export class WebSocketContext {
  /** The subprotocol `$connect` accepted, echoed in the handshake response. */
  acceptedProtocol: string | undefined
  #endpoint: string | undefined
  #lowerHeaders: Record<string, string> | undefined
  #query: Record<string, string> | undefined
  readonly #rc: WebSocketRequestContext

  constructor(
    readonly event: WebSocketEvent,
    private readonly host: WebSocketHost,
  ) {
    this.#rc = event.requestContext
  }

  get connectionId(): string {
    return this.#rc.connectionId
  }
  get routeKey(): string {
    return this.#rc.routeKey
  }
  get eventType(): WebSocketRequestContext['eventType'] {
    return this.#rc.eventType
  }
  get stage(): string {
    return this.#rc.stage
  }
  get domainName(): string {
    return this.#rc.domainName
  }
  get apiId(): string {
    return this.#rc.apiId
  }
  get requestId(): string {
    return this.host.requestId ?? this.#rc.requestId
  }
  get messageId(): string | undefined {
    return stringOr(this.#rc.messageId)
  }
  /** Epoch ms when the connection was established; fixed for its life (NaN in an event without one). */
  get connectedAt(): number {
    return numberOr(this.#rc.connectedAt)
  }
  /** Epoch ms of this event (`requestContext.requestTimeEpoch`). */
  get requestTimeEpoch(): number {
    return numberOr(this.#rc.requestTimeEpoch)
  }
  /** This event's time as API Gateway writes it (`requestContext.requestTime`, CLF: `20/Jan/2024:11:55:08 +0000`). */
  get requestTimeText(): string | undefined {
    const text = this.#rc.requestTime
    return typeof text === 'string' ? text : undefined
  }
  /**
   * Epoch ms of this event.
   * @deprecated Ambiguous beside `requestContext.requestTime` (CLF text): use
   * `requestTimeEpoch` (a number) or `requestTimeText` (the CLF string).
   */
  get requestTime(): number {
    return this.requestTimeEpoch
  }
  get sourceIp(): string | undefined {
    return stringOr(this.#identity?.sourceIp)
  }
  get userAgent(): string | undefined {
    return stringOr(this.#identity?.userAgent)
  }
  get #identity(): Record<string, unknown> | undefined {
    const identity = this.#rc.identity
    return isRecord(identity) ? identity : undefined
  }
  get authorizer(): WebSocketAuthorizerContext | undefined {
    const authorizer = this.#rc.authorizer
    return isRecord(authorizer) ? authorizer : undefined
  }
  get principalId(): string | undefined {
    return stringOr(this.authorizer?.principalId)
  }
  get disconnectStatusCode(): number | undefined {
    const code = this.#rc.disconnectStatusCode
    return typeof code === 'number' ? code : undefined
  }
  get disconnectReason(): string | undefined {
    return stringOr(this.#rc.disconnectReason)
  }
  /** The region management calls are signed for: the App's (its option or explicit endpoint), else the event's host, else AWS_REGION. */
  get region(): string | undefined {
    return this.host.region ?? regionFromHost(this.#rc.domainName) ?? process.env.AWS_REGION
  }
  get managementEndpoint(): string {
    this.#endpoint ??= deriveManagementEndpoint(
      this.#rc.domainName,
      this.#rc.stage,
      this.host.endpointOptions,
    )
    return this.#endpoint
  }

  /** Handshake headers (CONNECT only), names lower-cased. */
  get headers(): Record<string, string> {
    this.#lowerHeaders ??= strings(this.event.headers, true)
    return this.#lowerHeaders
  }
  header(name: string): string | undefined {
    const key = name.toLowerCase()
    return Object.hasOwn(this.headers, key) ? this.headers[key] : undefined
  }
  /** Query parameters of the connect URL (CONNECT only). */
  get query(): Record<string, string> {
    this.#query ??= strings(this.event.queryStringParameters)
    return this.#query
  }
  /** Subprotocols the client offered in `Sec-WebSocket-Protocol`. */
  get protocols(): string[] {
    const raw = this.header('sec-websocket-protocol')
    return raw
      ? raw
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : []
  }

  /** Accepts one of the offered subprotocols; the gateway echoes it in the 101 response. */
  acceptProtocol(protocol: string): void {
    if (this.eventType !== 'CONNECT') {
      throw new AppError('bad_request', 'acceptProtocol() is only meaningful on $connect')
    }
    if (!this.protocols.includes(protocol)) {
      throw new AppError(
        'bad_request',
        `Subprotocol ${JSON.stringify(protocol)} was not offered by the client`,
      )
    }
    this.acceptedProtocol = protocol
  }

  get body(): Uint8Array {
    const body = this.event.body
    if (typeof body !== 'string') return new Uint8Array(0)
    return this.event.isBase64Encoded === true ? Buffer.from(body, 'base64') : encoder.encode(body)
  }
  text(): string {
    const body = this.event.body
    if (typeof body !== 'string') return ''
    return this.event.isBase64Encoded === true ? decoder.decode(Buffer.from(body, 'base64')) : body
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

  #client(): StreamerClient {
    return this.host.streamerFor(this.managementEndpoint, this.region)
  }

  /**
   * Sends a frame to this connection. During `$connect` the service answers 410
   * (GoneError): the connection is not established until `$connect` returns.
   */
  send(data: string | Uint8Array): Promise<void> {
    return this.#call((client, options) => client.postToConnection(this.connectionId, data, options))
  }
  /** Sends `JSON.stringify(value)`; a cycle or a BigInt rejects with StreamerValidationError. */
  sendJSON(value: unknown): Promise<void> {
    return this.#call((client, options) =>
      client.postToConnection(this.connectionId, jsonText(value, this.connectionId), options),
    )
  }
  /** Closes this connection (the client sees 1000). Gone counts as done. */
  disconnect(): Promise<void> {
    return this.#call((client, options) => client.deleteConnection(this.connectionId, options))
  }
  info(): Promise<ConnectionInfo> {
    return this.#call((client, options) => client.getConnection(this.connectionId, options))
  }

  // Every failure (a value JSON refuses, a bad endpoint) is a rejection that `.catch()`
  // sees, never a synchronous throw; not `async`, which would add a promise per send.
  #call<T>(op: (client: StreamerClient, options: CallOptions) => Promise<T>): Promise<T> {
    try {
      return op(this.#client(), this.host.callOptions())
    } catch (error) {
      return Promise.reject(error)
    }
  }

  // Connection registry verbs (src/connections/lifecycle.ts); they need `new App({ connections })`.
  /** Joins a group; on `$connect` it takes effect once the handshake is accepted. */
  join(group: string): Promise<void> {
    return joinGroup(this, this.host.connections, group)
  }
  leave(group: string): Promise<void> {
    return leaveGroup(this, this.host.connections, group)
  }
  /** Merges attributes into this connection's stored record. */
  setAttributes(attributes: Record<string, unknown>): Promise<void> {
    return setAttributes(this, this.host.connections, attributes)
  }
  /** Sends to a group (or ids), pruning connections that are gone; `{ exclude: ws.connectionId }` skips the sender. */
  broadcast(
    target: BroadcastTarget,
    data: string | Uint8Array | object,
    options: ConnectionsBroadcastOptions = {},
  ): Promise<ConnectionsBroadcastResult> {
    return broadcastFrom(this.host.connections, this.#client(), target, data, {
      ...this.host.callOptions(),
      ...options,
    })
  }
  /** The socketeer/client session this connection belongs to, if it sent one on connect. */
  session(): Promise<string | undefined> {
    return sessionOf(this, this.host.connections)
  }
  /** Sends to every live connection of a session as a push the client takes once (de-duplicated by id). */
  pushToSession(session: string, data: unknown, options: PushOptions = {}): Promise<SessionPushResult> {
    return pushToSession(this, this.host.connections, session, data, options)
  }
  /** On `$disconnect`: the record and groups the App removed before the handlers ran. */
  get departed(): DeletedConnection | undefined {
    return departedOf(this)
  }
}
