import type { AuthorizerRequestEvent } from './types.js'
import { buildConnectEvent, type ConnectEventInput, splitHeaders, splitQuery } from './websocket.js'

export interface AuthorizerEventInput extends ConnectEventInput {
  region?: string
  accountId?: string
  stageVariables?: Record<string, string>
}

/**
 * The `$connect` REQUEST authorizer event. Unlike the CONNECT event its headers keep
 * `Connection`, `Upgrade` and `content-length` (semantics page, section 6).
 */
export function buildAuthorizerEvent(input: AuthorizerEventInput): AuthorizerRequestEvent {
  const connect = buildConnectEvent({ ...input, connection: { ...input.connection, authorizer: undefined } })
  const { single, multi } = splitHeaders(input.headers)
  for (const [name, value] of Object.entries(connect.headers ?? {})) {
    if (single[name] === undefined && value !== undefined) {
      single[name] = value
      multi[name] = [value]
    }
  }
  const region = input.region ?? 'us-east-1'
  const account = input.accountId ?? '123456789012'
  const { api } = input
  const event: AuthorizerRequestEvent = {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${region}:${account}:${api.apiId}/${api.stage}/$connect`,
    headers: single,
    multiValueHeaders: multi,
    stageVariables: input.stageVariables ?? {},
    requestContext: connect.requestContext,
  }
  const query = splitQuery(input.query)
  event.queryStringParameters = query?.single ?? {}
  event.multiValueQueryStringParameters = query?.multi ?? {}
  return event
}
