import { isUtf8 } from 'node:buffer'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { corsHeaders, isPreflight, preflightHeaders } from '../../app/cors-rules.js'
import { buildHttpApiEvent, buildRestEvent, type HttpEventInput } from '../../events/http.js'
import { type ProxyResult, readProxyResult, readV2Result } from '../../events/proxy-result.js'
import { invoke } from '../runtime/invoke.js'
import { BodyTooLargeError } from './errors.js'
import { httpFunctionKey } from './integrations.js'
import { headersOf, readBody, sourceIpOf, splitUrl } from './request.js'
import type { GatewayState } from './state.js'

// HTTP routes of the same function, on the same port: each request becomes a REST (V1)
// proxy event (or an HTTP API V2 one) built by the shared builders, and the Lambda
// result becomes the response, with API Gateway's answers when the function fails.

const MAX_BODY = 10 * 1024 * 1024

// API Gateway's own failure answers: REST APIs and HTTP APIs word them differently.
const FAILURES = {
  rest: {
    error: [502, '{"message": "Internal server error"}'],
    timeout: [504, '{"message": "Endpoint request timed out"}'],
    tooLarge: [413, '{"message":"Request Too Long"}'],
    none: [403, '{"message":"Missing Authentication Token"}'],
  },
  v2: {
    error: [500, '{"message":"Internal Server Error"}'],
    timeout: [503, '{"message":"Service Unavailable"}'],
    tooLarge: [413, '{"message":"Request Entity Too Large"}'],
    none: [404, '{"message":"Not Found"}'],
  },
} as const

function fail(res: ServerResponse, [status, body]: readonly [number, string]): number {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-RequestId': crypto.randomUUID() })
  res.end(body)
  return status
}

/**
 * A plain HTTP request (no WebSocket upgrade offered) on the WebSocket stage, when no
 * HTTP routes serve it. What AWS answers is not documented; serverless-offline's
 * WebSocket suite, written to pass against AWS too, expects 426 there, which is also
 * what RFC 9110 says a server that requires an upgrade sends (with `Upgrade`).
 * Uncertain: the body is not known; this one is API Gateway's usual `{"message"}` shape.
 */
function upgradeRequired(res: ServerResponse): number {
  res.writeHead(426, {
    'content-type': 'application/json',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'x-amzn-RequestId': crypto.randomUUID(),
  })
  res.end('{"message":"Upgrade Required"}')
  return 426
}

function onStage(pathname: string, stage: string): boolean {
  return pathname === `/${stage}` || pathname.startsWith(`/${stage}/`)
}

/** `dropCors`: an HTTP API with a CORS configuration ignores the function's own CORS headers. */
function send(res: ServerResponse, result: ProxyResult, dropCors = false): number {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of result.headers) {
    if (dropCors && name.toLowerCase().startsWith('access-control-')) continue
    const prev = headers[name]
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  if (result.cookies.length > 0) headers['set-cookie'] = result.cookies
  res.writeHead(result.statusCode, headers)
  res.end(result.body)
  return result.statusCode
}

/** The stage prefix is optional locally: `/dev/posts` and `/posts` are both `/posts`. */
function stripStage(pathname: string, stage: string): string {
  let path = pathname
  try {
    path = decodeURIComponent(pathname)
  } catch {
    // Keep the raw path; the handler decides what a malformed one means.
  }
  const prefix = `/${stage}`
  if (path === prefix) return '/'
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path
}

/** `webSocketHere`: the port also serves the WebSocket stage (false on the `httpPort` listener). */
export async function handleHttp(
  state: GatewayState,
  req: IncomingMessage,
  res: ServerResponse,
  webSocketHere = true,
): Promise<void> {
  const { options, log } = state
  const started = performance.now()
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10
  const { pathname, query } = splitUrl(req.url)
  const path = stripStage(pathname, options.stage)
  const route = `${req.method} ${path}`
  const asked = req.headers as Record<string, string | undefined>
  const method = (req.method ?? 'GET').toUpperCase()
  // A route's own CORS configuration (a project file's) before the gateway-wide option.
  const own =
    options.http === false
      ? undefined
      : state.table.corsRoute(method === 'OPTIONS' ? asked['access-control-request-method'] : method, path)
  const ownCors = own?.route.cors
  const restCors = own?.route.events !== 'v2'
  if (ownCors) {
    // REST: the OPTIONS method's MOCK integration answers any OPTIONS (200); HTTP API: preflights (204).
    if (method === 'OPTIONS' && (restCors || isPreflight(method, asked))) {
      req.resume()
      const status = restCors ? 200 : 204
      res.writeHead(status, preflightHeaders(ownCors, asked))
      res.end()
      log({ kind: 'HTTP', route, status, detail: 'CORS preflight (answered by the gateway)' })
      return
    }
    if (!restCors)
      for (const [name, value] of Object.entries(corsHeaders(ownCors, asked))) res.setHeader(name, value)
  } else if (options.cors) {
    if (isPreflight(req.method ?? '', asked)) {
      // As API Gateway's CORS configuration does: the preflight never reaches the function.
      req.resume()
      res.writeHead(204, preflightHeaders(options.cors, asked))
      res.end()
      log({ kind: 'HTTP', route, status: 204, detail: 'CORS preflight (answered by the gateway)' })
      return
    }
    // Every answer carries them; headers the function returns itself win (writeHead merges over these).
    for (const [name, value] of Object.entries(corsHeaders(options.cors, asked))) res.setHeader(name, value)
  }
  // A route of its own (a project file's http/httpApi event) before the main handler.
  const match = options.http === false ? undefined : state.table.httpRoute(req.method ?? 'GET', path)
  const mode = match?.route.events ?? (options.http === 'v2' ? 'v2' : 'rest')
  const failures = FAILURES[mode]
  const handler = options.http === false ? undefined : (match?.route.handler ?? state.table.http())
  if (!handler) {
    req.resume()
    const status =
      webSocketHere && onStage(pathname, options.stage) ? upgradeRequired(res) : fail(res, failures.none)
    log({
      kind: 'HTTP',
      route,
      status,
      detail: options.http === false ? 'HTTP routes are off' : 'no handler for HTTP routes',
    })
    return
  }
  let raw: Buffer
  try {
    raw = await readBody(req, MAX_BODY)
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error
    log({ kind: 'HTTP', route, status: fail(res, failures.tooLarge), detail: 'body over 10 MB' })
    return
  }
  const text = raw.length > 0 && isUtf8(raw)
  const input: HttpEventInput = {
    method: req.method,
    path,
    headers: headersOf(req),
    query,
    body: raw.length === 0 ? undefined : text ? raw.toString('utf8') : raw.toString('base64'),
    isBase64Encoded: raw.length > 0 && !text,
    sourceIp: sourceIpOf(req),
    stage: options.stage,
    domainName: state.hosts.domainFor(req.headers.host) ?? state.address(),
    apiId: options.apiId,
  }
  if (match) {
    input.resource = match.route.path
    input.pathParameters = match.pathParameters
  }
  const event = mode === 'v2' ? buildHttpApiEvent(input) : buildRestEvent(input)
  const outcome = await invoke(handler, event, {
    // API Gateway's integration timeout caps the function's own.
    timeoutMs: Math.min(options.integrationTimeoutMs, match?.route.timeoutMs ?? Number.POSITIVE_INFINITY),
    functionName: match?.route.functionName ?? 'http',
  })
  const fn = match ? httpFunctionKey(match.route) : 'http'
  const facts = { event, invocation: outcome.requestId, fn, bytes: raw.length }
  if (outcome.kind === 'timeout') {
    log({
      kind: 'HTTP',
      route,
      status: fail(res, failures.timeout),
      ms: outcome.ms,
      output: outcome.output,
      detail: 'Endpoint request timed out',
      ...facts,
    })
    return
  }
  if (outcome.kind === 'error') {
    log({
      kind: 'HTTP',
      route,
      status: fail(res, failures.error),
      ms: outcome.ms,
      error: outcome.error,
      output: outcome.output,
      ...facts,
    })
    return
  }
  const read = mode === 'v2' ? readV2Result(outcome.value) : readProxyResult(outcome.value)
  if (!read.ok) {
    const status = fail(res, failures.error)
    log({
      kind: 'HTTP',
      route,
      status,
      ms: outcome.ms,
      output: outcome.output,
      detail: `malformed Lambda proxy response: ${read.reason}`,
      result: outcome.value,
      ...facts,
    })
    return
  }
  log({
    kind: 'HTTP',
    route,
    status: send(res, read.result, !!ownCors && !restCors),
    ms: elapsed(),
    output: outcome.output,
    result: outcome.value,
    ...facts,
  })
}
