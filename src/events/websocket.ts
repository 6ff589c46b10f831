import { clfTime, newGatewayId, newTraceId } from './ids.js'
import type { WebSocketAuthorizerContext, WebSocketEvent, WebSocketRequestContext } from './types.js'

// Builders for the three WebSocket event kinds, shaped exactly as API Gateway sends
// them (see the semantics page, section 1). The testkit and the local gateway both
// build events here, so a fix to a shape is made once.

export interface ApiInfo {
  apiId: string
  stage: string
  domainName: string
}

/** What the gateway knows about one live connection; fixed for its life. */
export interface ConnectionFacts {
  connectionId: string
  connectedAt: number
  sourceIp: string
  userAgent?: string
  /** Set when a REQUEST authorizer ran on `$connect`; repeated on every later event. */
  authorizer?: WebSocketAuthorizerContext
}

export type HeaderInput = Record<string, string | string[] | undefined>
export type QueryInput = Record<string, string | string[] | undefined> | URLSearchParams

interface Common {
  api: ApiInfo
  connection: ConnectionFacts
  /** Epoch ms of the request; defaults to now. */
  now?: number
  requestId?: string
}

export interface ConnectEventInput extends Common {
  headers?: HeaderInput
  query?: QueryInput
}

export interface MessageEventInput extends Common {
  routeKey: string
  body: string
  messageId?: string
}

export interface DisconnectEventInput extends Common {
  statusCode: number
  reason: string
}

function requestContext(
  input: Common,
  routeKey: string,
  eventType: WebSocketRequestContext['eventType'],
): WebSocketRequestContext {
  const now = input.now ?? Date.now()
  const requestId = input.requestId ?? newGatewayId()
  const { connection, api } = input
  const identity: WebSocketRequestContext['identity'] =
    connection.userAgent === undefined
      ? { sourceIp: connection.sourceIp }
      : { userAgent: connection.userAgent, sourceIp: connection.sourceIp }
  const rc: WebSocketRequestContext = {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: clfTime(now),
    messageDirection: 'IN',
    stage: api.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: now,
    identity,
    requestId,
    domainName: api.domainName,
    connectionId: connection.connectionId,
    apiId: api.apiId,
  }
  if (connection.authorizer) rc.authorizer = { ...connection.authorizer }
  return rc
}

// The gateway does not pass the hop-by-hop handshake headers to `$connect`.
const DROPPED_ON_CONNECT = new Set(['connection', 'upgrade', 'content-length'])

export function splitHeaders(
  headers: HeaderInput | undefined,
  drop?: Set<string>,
): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single: Record<string, string> = {}
  const multi: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined || drop?.has(name.toLowerCase())) continue
    const values = Array.isArray(value) ? value : [value]
    if (values.length === 0) continue
    single[name] = values[values.length - 1]!
    multi[name] = values
  }
  return { single, multi }
}

export function splitQuery(
  query: QueryInput | undefined,
): { single: Record<string, string>; multi: Record<string, string[]> } | undefined {
  if (!query) return undefined
  const single: Record<string, string> = {}
  const multi: Record<string, string[]> = {}
  const entries: Iterable<[string, string | string[] | undefined]> =
    query instanceof URLSearchParams ? query.entries() : Object.entries(query)
  for (const [name, value] of entries) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) {
      single[name] = v
      const list = multi[name]
      if (list) list.push(v)
      else multi[name] = [v]
    }
  }
  return Object.keys(multi).length === 0 ? undefined : { single, multi }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase()
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return true
  return false
}

/** CONNECT: handshake headers (minus Connection, Upgrade, content-length), query only if the URL had one. */
export function buildConnectEvent(input: ConnectEventInput): WebSocketEvent {
  const { single, multi } = splitHeaders(input.headers, DROPPED_ON_CONNECT)
  const add = (name: string, value: string) => {
    if (hasHeader(single, name)) return
    single[name] = value
    multi[name] = [value]
  }
  add('Host', input.api.domainName)
  // Always added by API Gateway; a client's own is replaced there too, but a test event
  // that names one keeps it (the builder takes what it is given).
  add('X-Amzn-Trace-Id', newTraceId(input.now ?? Date.now()))
  add('X-Forwarded-For', input.connection.sourceIp)
  add('X-Forwarded-Port', '443')
  add('X-Forwarded-Proto', 'https')
  const event: WebSocketEvent = {
    headers: single,
    multiValueHeaders: multi,
    requestContext: requestContext(input, '$connect', 'CONNECT'),
    isBase64Encoded: false,
  }
  const query = splitQuery(input.query)
  if (query) {
    event.queryStringParameters = query.single
    event.multiValueQueryStringParameters = query.multi
  }
  return event
}

/** MESSAGE: the text frame as sent, with the route key route selection chose. */
export function buildMessageEvent(input: MessageEventInput): WebSocketEvent {
  const rc = requestContext(input, input.routeKey, 'MESSAGE')
  rc.messageId = input.messageId ?? newGatewayId()
  return { requestContext: rc, body: input.body, isBase64Encoded: false }
}

/** DISCONNECT: the fixed header set API Gateway sends, plus the close code and reason. */
export function buildDisconnectEvent(input: DisconnectEventInput): WebSocketEvent {
  const rc = requestContext(input, '$disconnect', 'DISCONNECT')
  rc.disconnectStatusCode = input.statusCode
  rc.disconnectReason = input.reason
  const host = input.api.domainName
  return {
    headers: { Host: host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
    multiValueHeaders: { Host: [host], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] },
    requestContext: rc,
    isBase64Encoded: false,
  }
}
