import { randomBytes } from 'node:crypto'
import { buildAuthorizerEvent } from '../src/events/authorizer.js'
import {
  buildAlbEvent,
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  buildRestEvent,
  type HttpEventInput,
} from '../src/events/http.js'
import { newGatewayId } from '../src/events/ids.js'
import {
  type ApiInfo,
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  type ConnectionFacts,
  type HeaderInput,
  type QueryInput,
} from '../src/events/websocket.js'
import { DEFAULT_SOURCE_IP } from './defaults.js'

// Event builders for tests: the same functions the local gateway builds events with,
// with defaults filled in so a test names only what it cares about.

export const defaultApi: ApiInfo = {
  apiId: 'abcd1234',
  stage: 'prod',
  domainName: 'abcd1234.execute-api.us-east-1.amazonaws.com',
}

export interface WebSocketEventOverrides {
  api?: Partial<ApiInfo>
  connectionId?: string
  connectedAt?: number
  sourceIp?: string
  /** The client's User-Agent; on connect/authorizer events it defaults to the `User-Agent` header, if given. */
  userAgent?: string
  authorizer?: ConnectionFacts['authorizer']
  now?: number
  requestId?: string
}

export interface HandshakeOverrides extends WebSocketEventOverrides {
  /** Merged over the headers a browser sends (case-insensitively); a value of `undefined` removes one. */
  headers?: HeaderInput
  query?: QueryInput
}

function facts(o: WebSocketEventOverrides): { api: ApiInfo; connection: ConnectionFacts; now: number } {
  const now = o.now ?? Date.now()
  const connection: ConnectionFacts = {
    connectionId: o.connectionId ?? newGatewayId(),
    connectedAt: o.connectedAt ?? now - 1,
    sourceIp: o.sourceIp ?? DEFAULT_SOURCE_IP,
  }
  if (o.userAgent !== undefined) connection.userAgent = o.userAgent
  if (o.authorizer !== undefined) connection.authorizer = o.authorizer
  return { api: { ...defaultApi, ...o.api }, connection, now }
}

// What a browser sends on the upgrade request. The shared builders decide which of
// them an event keeps (CONNECT drops Connection/Upgrade; the authorizer keeps them).
function handshakeHeaders(now: number, overrides: HeaderInput | undefined): HeaderInput {
  const merged: HeaderInput = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
  }
  for (const [name, value] of Object.entries(overrides ?? {})) {
    for (const key of Object.keys(merged)) if (key.toLowerCase() === name.toLowerCase()) delete merged[key]
    merged[name] = value
  }
  return merged
}

function headerValue(headers: HeaderInput, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue
    return Array.isArray(value) ? value[value.length - 1] : value
  }
  return undefined
}

function handshake(o: HandshakeOverrides) {
  const base = facts(o)
  const headers = handshakeHeaders(base.now, o.headers)
  const userAgent = headerValue(headers, 'user-agent')
  if (o.userAgent === undefined && userAgent !== undefined) base.connection.userAgent = userAgent
  return { ...base, headers, query: o.query, requestId: o.requestId }
}

/**
 * Event builders with realistic defaults: a fresh connection id in API Gateway's
 * format, the default API, the current time. Name only what the test cares about.
 */
export const events = {
  connect(o: HandshakeOverrides = {}) {
    return buildConnectEvent(handshake(o))
  },
  message(
    o: WebSocketEventOverrides & { body?: string | object; routeKey?: string; messageId?: string } = {},
  ) {
    const body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body ?? {})
    return buildMessageEvent({
      ...facts(o),
      routeKey: o.routeKey ?? '$default',
      body,
      messageId: o.messageId,
      requestId: o.requestId,
    })
  },
  disconnect(o: WebSocketEventOverrides & { statusCode?: number; reason?: string } = {}) {
    return buildDisconnectEvent({
      ...facts(o),
      statusCode: o.statusCode ?? 1001,
      reason: o.reason ?? 'Going away',
      requestId: o.requestId,
    })
  },
  authorizer(
    o: HandshakeOverrides & {
      region?: string
      accountId?: string
      stageVariables?: Record<string, string>
    } = {},
  ) {
    return buildAuthorizerEvent({
      ...handshake(o),
      region: o.region,
      accountId: o.accountId,
      stageVariables: o.stageVariables,
    })
  },
  rest: (o: HttpEventInput = {}) => buildRestEvent(o),
  httpApi: (o: HttpEventInput = {}) => buildHttpApiEvent(o),
  functionUrl: (o: HttpEventInput = {}) => buildFunctionUrlEvent(o),
  alb: (o: HttpEventInput = {}) => buildAlbEvent(o),
}
