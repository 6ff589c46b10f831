import type { AlbEvent, AuthorizerRequestEvent, HttpApiEvent, RestApiEvent, WebSocketEvent } from './types.js'
import { isObject, isWebSocketContext } from './websocket-shape.js'

// Trigger detection in one fixed, documented order (semantics page, section 7):
// authorizer, WebSocket, REST (V1) proxy, HTTP API (V2), Function URL, ALB.
// The authorizer goes first because its requestContext also says eventType CONNECT.

export type TriggerKind = 'authorizer' | 'websocket' | 'rest' | 'http' | 'url' | 'alb'

/** The event type each trigger kind carries. */
export interface TriggerEvents {
  authorizer: AuthorizerRequestEvent
  websocket: WebSocketEvent
  rest: RestApiEvent
  http: HttpApiEvent
  url: HttpApiEvent
  alb: AlbEvent
}

const FUNCTION_URL_HOST = /\.lambda-url\.[a-z0-9-]+\.on\.aws$/

// Every HTTP API event passes here, so the regex only runs on hosts that could match.
function isFunctionUrlHost(host: unknown): boolean {
  return typeof host === 'string' && host.endsWith('.on.aws') && FUNCTION_URL_HOST.test(host)
}

export function detectTrigger(event: unknown): TriggerKind | undefined {
  if (!isObject(event)) return undefined
  const rc = event.requestContext
  if (event.type === 'REQUEST' && typeof event.methodArn === 'string' && isObject(rc)) {
    return 'authorizer'
  }
  // Other authorizer events (an HTTP API payload 2.0 one: `type: "REQUEST"` with
  // `routeArn`; a REST `TOKEN` one) are never HTTP requests (semantics page, section 7):
  // running a route for one would run its side effects on an authorizer's invocation.
  if (event.type === 'REQUEST' || event.type === 'TOKEN') return undefined
  if (!isObject(rc)) return undefined
  if (
    isWebSocketContext(rc) &&
    event.httpMethod === undefined &&
    event.version === undefined &&
    event.rawPath === undefined
  ) {
    return 'websocket'
  }
  if (
    typeof event.httpMethod === 'string' &&
    typeof event.resource === 'string' &&
    typeof event.path === 'string'
  ) {
    return 'rest'
  }
  if (
    event.version === '2.0' &&
    typeof event.rawPath === 'string' &&
    isObject(rc.http) &&
    typeof rc.http.method === 'string'
  ) {
    return isFunctionUrlHost(rc.domainName) ? 'url' : 'http'
  }
  if (
    isObject(rc.elb) &&
    typeof rc.elb.targetGroupArn === 'string' &&
    typeof event.httpMethod === 'string' &&
    typeof event.path === 'string'
  ) {
    return 'alb'
  }
  return undefined
}
