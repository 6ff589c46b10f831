import { buildAuthorizerEvent } from '../src/events/authorizer.js'
import {
  type HttpEventInput,
  buildAlbEvent,
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  buildRestEvent,
} from '../src/events/http.js'
import { newGatewayId } from '../src/events/ids.js'
import {
  type ApiInfo,
  type ConnectionFacts,
  type HeaderInput,
  type QueryInput,
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
} from '../src/events/websocket.js'

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
  userAgent?: string
  authorizer?: ConnectionFacts['authorizer']
  now?: number
  requestId?: string
}

function facts(o: WebSocketEventOverrides): { api: ApiInfo; connection: ConnectionFacts; now: number } {
  const now = o.now ?? Date.now()
  const connection: ConnectionFacts = {
    connectionId: o.connectionId ?? newGatewayId(),
    connectedAt: o.connectedAt ?? now - 1,
    sourceIp: o.sourceIp ?? '203.0.113.10',
  }
  if (o.userAgent !== undefined) connection.userAgent = o.userAgent
  if (o.authorizer !== undefined) connection.authorizer = o.authorizer
  return { api: { ...defaultApi, ...o.api }, connection, now }
}

export const events = {
  connect(o: WebSocketEventOverrides & { headers?: HeaderInput; query?: QueryInput } = {}) {
    return buildConnectEvent({ ...facts(o), headers: o.headers, query: o.query, requestId: o.requestId })
  },
  message(o: WebSocketEventOverrides & { body?: string | object; routeKey?: string; messageId?: string } = {}) {
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
    o: WebSocketEventOverrides & { headers?: HeaderInput; query?: QueryInput; region?: string; accountId?: string } = {},
  ) {
    return buildAuthorizerEvent({
      ...facts(o),
      headers: o.headers,
      query: o.query,
      region: o.region,
      accountId: o.accountId,
      requestId: o.requestId,
    })
  },
  rest: (o: HttpEventInput = {}) => buildRestEvent(o),
  httpApi: (o: HttpEventInput = {}) => buildHttpApiEvent(o),
  functionUrl: (o: HttpEventInput = {}) => buildFunctionUrlEvent(o),
  alb: (o: HttpEventInput = {}) => buildAlbEvent(o),
}
