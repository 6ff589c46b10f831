import { isExecuteApiHost } from './hosts.js'
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
  /** REST/HTTP API: the stage; HTTP API defaults to `$default` (a named stage prefixes `rawPath`). */
  stage?: string
  /** ALB: a target group with multi-value headers on (the event then has only the multi-value maps). */
  multiValueHeaders?: boolean
  domainName?: string
  apiId?: string
  now?: number
  /** The matched route's path template (`/items/{id}`); default the `/{proxy+}` catch-all. */
  resource?: string
  /** The template's values; default `{ proxy }` for the catch-all. */
  pathParameters?: Record<string, string>
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

/**
 * ALB passes query parameters as they were on the wire (still percent-encoded, `+`
 * for space), unlike API Gateway; decode them so handlers see the same values.
 */
export function parseAlbEvent(event: AlbEvent): HttpRequest {
  const request = parseRestEvent(event)
  const decoded: Record<string, string> = {}
  for (const k in request.query) decoded[decodeForm(k)] = decodeForm(request.query[k]!)
  request.query = decoded
  const forwarded = request.headers['x-forwarded-for']
  if (forwarded) request.sourceIp = forwarded.split(',')[0]!.trim()
  return request
}

function decodeForm(value: string): string {
  if (value.indexOf('%') < 0 && value.indexOf('+') < 0) return value
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return value
  }
}

function lastValues(multi: Record<string, string[] | undefined> | null | undefined) {
  const out: Record<string, string> = {}
  if (multi) for (const k in multi) if (multi[k]?.length) out[k] = multi[k]![multi[k]!.length - 1]!
  return out
}

/**
 * On a named stage (not `$default`) of an execute-api host, HTTP API puts the stage
 * in `rawPath` (`/prod/posts`); strip it so routes match as registered. A custom
 * domain's path carries no stage, so it is left alone.
 */
function stripStage(path: string, stage: string | undefined, domainName: string | undefined): string {
  if (!stage || stage === '$default' || !domainName || !isExecuteApiHost(domainName)) return path
  const prefix = `/${stage}`
  if (path === prefix) return '/'
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path
}

export function parseHttpApiEvent(event: HttpApiEvent): HttpRequest {
  const headers = lower(event.headers)
  if (Array.isArray(event.cookies) && event.cookies.length > 0 && headers.cookie === undefined)
    headers.cookie = event.cookies.join('; ')
  const rc = event.requestContext
  return {
    method: rc.http.method.toUpperCase(),
    path: stripStage(event.rawPath, rc.stage, rc.domainName),
    headers,
    query: compact(event.queryStringParameters),
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    sourceIp: rc.http.sourceIp,
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
  const resource = input.resource ?? '/{proxy+}'
  return {
    resource,
    path,
    httpMethod: method,
    headers: single,
    multiValueHeaders: multi,
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    pathParameters: input.resource
      ? input.pathParameters && Object.keys(input.pathParameters).length > 0
        ? input.pathParameters
        : null
      : { proxy: path.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      resourcePath: resource,
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
  const stage = input.stage ?? '$default'
  // A named stage is part of the URL on execute-api hosts, so HTTP API reports it in the path.
  const rawPath =
    stage !== '$default' && isExecuteApiHost(domainName) ? `/${stage}${path === '/' ? '' : path}` : path
  const routeKey = input.resource ? `${method} ${input.resource}` : '$default'
  const event: HttpApiEvent = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: rawQueryString(input.query),
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId,
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: newGatewayId(),
      routeKey,
      stage,
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    isBase64Encoded: input.isBase64Encoded ?? false,
  }
  if (cookies) event.cookies = cookies
  if (input.pathParameters && Object.keys(input.pathParameters).length > 0)
    event.pathParameters = input.pathParameters
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
  const { single, multi } = splitHeaders(input.headers)
  // ALB always says who called in x-forwarded-for; there is no identity block.
  if (headerValue(single, 'x-forwarded-for') === undefined) {
    const ip = input.sourceIp ?? '127.0.0.1'
    single['x-forwarded-for'] = ip
    multi['x-forwarded-for'] = [ip]
  }
  const query = splitQuery(input.query)
  // ALB hands the query over still encoded, as it was on the wire.
  const encode = (values: Record<string, string | string[]>) => {
    const out: Record<string, any> = {}
    for (const [k, v] of Object.entries(values))
      out[encodeURIComponent(k)] = Array.isArray(v) ? v.map(encodeURIComponent) : encodeURIComponent(v)
    return out
  }
  const event: AlbEvent = {
    requestContext: {
      elb: {
        targetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-target/abcdef0123456789',
      },
    },
    httpMethod: (input.method ?? 'GET').toUpperCase(),
    path: input.path ?? '/',
    body: input.body ?? '',
    isBase64Encoded: input.isBase64Encoded ?? false,
  }
  if (input.multiValueHeaders) {
    const headers: Record<string, string[]> = {}
    for (const [k, v] of Object.entries(multi)) headers[k.toLowerCase()] = v
    event.multiValueHeaders = headers
    event.multiValueQueryStringParameters = encode(query?.multi ?? {})
  } else {
    event.headers = lower(single)
    event.queryStringParameters = encode(query?.single ?? {})
  }
  return event
}
