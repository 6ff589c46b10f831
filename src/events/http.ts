import { isExecuteApiHost } from './hosts.js'
import { newGatewayId } from './ids.js'
import { isRecord, put, stringLists, strings } from './maps.js'
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
  /** One value per name: the last one on REST and ALB, every value comma-joined on HTTP API (as each sends it). */
  query: Record<string, string>
  /** Every value of every query parameter, in order (`ctx.req.queries(name)` reads one). */
  queryLists: Record<string, string[]>
  /** Undefined when there is none, also for HTTP API's and ALB's `"body": null`. */
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

function lastValues(multi: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(multi)) put(out, k, multi[k]![multi[k]!.length - 1]!)
  return out
}

function singles(single: Record<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const k of Object.keys(single)) put(out, k, [single[k]!])
  return out
}

const bodyOf = (body: unknown): string | undefined => (typeof body === 'string' ? body : undefined)

export function parseRestEvent(event: RestApiEvent | AlbEvent): HttpRequest {
  const headers = strings(event.headers, true)
  const headerLists = stringLists(event.multiValueHeaders)
  if (Object.keys(headers).length === 0)
    for (const k of Object.keys(headerLists)) put(headers, k.toLowerCase(), headerLists[k]!.at(-1)!)
  const single = strings(event.queryStringParameters)
  const multi = stringLists(event.multiValueQueryStringParameters)
  const hasMulti = Object.keys(multi).length > 0
  const query = Object.keys(single).length > 0 ? single : lastValues(multi)
  const identity = (event.requestContext as RestApiEvent['requestContext']).identity
  const sourceIp = isRecord(identity) ? identity.sourceIp : undefined
  return {
    method: String(event.httpMethod).toUpperCase(),
    path: event.path,
    headers,
    query,
    queryLists: hasMulti ? multi : singles(query),
    body: bodyOf(event.body),
    isBase64Encoded: event.isBase64Encoded === true,
    sourceIp: typeof sourceIp === 'string' ? sourceIp : undefined,
  }
}

/**
 * ALB passes query parameters as they were on the wire (still percent-encoded, `+`
 * for space), unlike API Gateway; decode them so handlers see the same values.
 */
export function parseAlbEvent(event: AlbEvent): HttpRequest {
  const request = parseRestEvent(event)
  const decoded: Record<string, string> = {}
  for (const k of Object.keys(request.query)) put(decoded, decodeForm(k), decodeForm(request.query[k]!))
  request.query = decoded
  const lists: Record<string, string[]> = {}
  for (const k of Object.keys(request.queryLists)) {
    const name = decodeForm(k)
    const values = request.queryLists[k]!.map(decodeForm)
    // `a%20b` and `a+b` are one name once decoded.
    put(lists, name, Object.hasOwn(lists, name) ? [...lists[name]!, ...values] : values)
  }
  request.queryLists = lists
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

/**
 * HTTP API joins repeated query values with commas in `queryStringParameters`; the
 * separate values are only in `rawQueryString`, which is read for `queries`.
 */
function queryLists(raw: unknown, joined: Record<string, string>): Record<string, string[]> {
  if (typeof raw !== 'string' || raw === '') return singles(joined)
  const out: Record<string, string[]> = {}
  for (const [k, v] of new URLSearchParams(raw)) {
    if (Object.hasOwn(out, k)) out[k]!.push(v)
    else put(out, k, [v])
  }
  return out
}

export function parseHttpApiEvent(event: HttpApiEvent): HttpRequest {
  const headers = strings(event.headers, true)
  if (Array.isArray(event.cookies) && event.cookies.length > 0 && headers.cookie === undefined)
    headers.cookie = event.cookies.filter((c) => typeof c === 'string').join('; ')
  const rc = event.requestContext
  const query = strings(event.queryStringParameters)
  const stage = typeof rc.stage === 'string' ? rc.stage : undefined
  const domainName = typeof rc.domainName === 'string' ? rc.domainName : undefined
  const sourceIp = rc.http.sourceIp
  return {
    method: rc.http.method.toUpperCase(),
    path: stripStage(event.rawPath, stage, domainName),
    headers,
    query,
    queryLists: queryLists(event.rawQueryString, query),
    body: bodyOf(event.body),
    isBase64Encoded: event.isBase64Encoded === true,
    sourceIp: typeof sourceIp === 'string' ? sourceIp : undefined,
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
    event.headers = strings(single, true)
    event.queryStringParameters = encode(query?.single ?? {})
  }
  return event
}
