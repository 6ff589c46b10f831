import { newGatewayId } from './ids.js'
import type { AlbEvent, HttpApiEvent, RestApiEvent } from './types.js'
import { type HeaderInput, type QueryInput, splitHeaders, splitQuery } from './websocket.js'

// Builders and the parser for the HTTP triggers that sit beside a WebSocket API:
// REST (V1) proxy, HTTP API (V2), Lambda Function URL and ALB.

export type HttpTriggerKind = 'rest' | 'http' | 'url' | 'alb'

/** The one request shape every HTTP trigger is parsed into. */
export interface HttpRequest {
  method: string
  path: string
  /** Lower-cased header names. */
  headers: Record<string, string>
  query: Record<string, string>
  body: string | undefined
  isBase64Encoded: boolean
  sourceIp?: string
}

export interface HttpEventInput {
  method?: string
  path?: string
  headers?: HeaderInput
  query?: QueryInput
  body?: string
  isBase64Encoded?: boolean
  sourceIp?: string
  /** REST/HTTP API: the stage; HTTP API defaults to `$default`. */
  stage?: string
  domainName?: string
  apiId?: string
  now?: number
}

function lower(headers: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (headers) for (const k in headers) if (headers[k] !== undefined) out[k.toLowerCase()] = headers[k]!
  return out
}

function compact(query: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (query) for (const k in query) if (query[k] !== undefined) out[k] = query[k]!
  return out
}

export function parseRestEvent(event: RestApiEvent | AlbEvent): HttpRequest {
  const headers =
    event.headers && Object.keys(event.headers).length > 0
      ? lower(event.headers)
      : lower(lastValues(event.multiValueHeaders))
  const query =
    event.queryStringParameters && Object.keys(event.queryStringParameters).length > 0
      ? compact(event.queryStringParameters)
      : compact(lastValues(event.multiValueQueryStringParameters))
  const identity = (event.requestContext as RestApiEvent['requestContext']).identity
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    headers,
    query,
    body: event.body ?? undefined,
    isBase64Encoded: event.isBase64Encoded,
    sourceIp: identity?.sourceIp,
  }
}

function lastValues(multi: Record<string, string[] | undefined> | null | undefined) {
  const out: Record<string, string> = {}
  if (multi) for (const k in multi) if (multi[k]?.length) out[k] = multi[k]![multi[k]!.length - 1]!
  return out
}

export function parseHttpApiEvent(event: HttpApiEvent): HttpRequest {
  const headers = lower(event.headers)
  if (event.cookies?.length && headers.cookie === undefined) headers.cookie = event.cookies.join('; ')
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    headers,
    query: compact(event.queryStringParameters),
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    sourceIp: event.requestContext.http.sourceIp,
  }
}

function rawQueryString(query: QueryInput | undefined): string {
  const split = splitQuery(query)
  if (!split) return ''
  const params = new URLSearchParams()
  for (const [k, vs] of Object.entries(split.multi)) for (const v of vs) params.append(k, v)
  return params.toString()
}

export function buildRestEvent(input: HttpEventInput = {}): RestApiEvent {
  const method = (input.method ?? 'GET').toUpperCase()
  const path = input.path ?? '/'
  const { single, multi } = splitHeaders(input.headers)
  const query = splitQuery(input.query)
  const now = input.now ?? Date.now()
  const stage = input.stage ?? 'prod'
  const apiId = input.apiId ?? 'abcd1234'
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers: single,
    multiValueHeaders: multi,
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    pathParameters: { proxy: path.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      resourcePath: '/{proxy+}',
      httpMethod: method,
      path: `/${stage}${path}`,
      stage,
      apiId,
      domainName: input.domainName ?? `${apiId}.execute-api.us-east-1.amazonaws.com`,
      requestId: crypto.randomUUID(),
      extendedRequestId: newGatewayId(),
      requestTimeEpoch: now,
      identity: {
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headerValue(single, 'user-agent') ?? null,
      },
    },
    body: input.body ?? null,
    isBase64Encoded: input.isBase64Encoded ?? false,
  }
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const k in headers) if (k.toLowerCase() === name) return headers[k]
  return undefined
}

export function buildHttpApiEvent(input: HttpEventInput = {}): HttpApiEvent {
  const method = (input.method ?? 'GET').toUpperCase()
  const path = input.path ?? '/'
  const headers: Record<string, string> = {}
  let cookies: string[] | undefined
  for (const [k, v] of Object.entries(input.headers ?? {})) {
    if (v === undefined) continue
    if (k.toLowerCase() === 'cookie') {
      cookies = (Array.isArray(v) ? v.join('; ') : v).split(/;\s*/)
      continue
    }
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v
  }
  const query = splitQuery(input.query)
  const now = input.now ?? Date.now()
  const apiId = input.apiId ?? 'abcd1234'
  const domainName = input.domainName ?? `${apiId}.execute-api.us-east-1.amazonaws.com`
  const queryStringParameters = query
    ? Object.fromEntries(Object.entries(query.multi).map(([k, vs]) => [k, vs.join(',')]))
    : undefined
  const event: HttpApiEvent = {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: rawQueryString(input.query),
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId,
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: newGatewayId(),
      routeKey: '$default',
      stage: input.stage ?? '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    isBase64Encoded: input.isBase64Encoded ?? false,
  }
  if (cookies) event.cookies = cookies
  if (queryStringParameters) event.queryStringParameters = queryStringParameters
  if (input.body !== undefined) event.body = input.body
  return event
}

export function buildFunctionUrlEvent(input: HttpEventInput = {}): HttpApiEvent {
  const urlId = input.apiId ?? 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6'
  const event = buildHttpApiEvent({
    ...input,
    apiId: urlId,
    domainName: `${urlId}.lambda-url.us-east-1.on.aws`,
  })
  event.requestContext.apiId = urlId
  return event
}

export function buildAlbEvent(input: HttpEventInput = {}): AlbEvent {
  const { single } = splitHeaders(input.headers)
  const headers = lower(single)
  const query = splitQuery(input.query)
  return {
    requestContext: {
      elb: {
        targetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-target/abcdef0123456789',
      },
    },
    httpMethod: (input.method ?? 'GET').toUpperCase(),
    path: input.path ?? '/',
    queryStringParameters: query?.single ?? {},
    headers,
    body: input.body ?? '',
    isBase64Encoded: input.isBase64Encoded ?? false,
  }
}
