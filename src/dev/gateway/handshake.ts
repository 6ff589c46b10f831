import type { IncomingMessage } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import { buildAuthorizerEvent } from '../../events/authorizer.js'
import { newGatewayId } from '../../events/ids.js'
import { readConnectResult, resultHeader } from '../../events/proxy-result.js'
import { type ApiInfo, buildConnectEvent, type ConnectionFacts } from '../../events/websocket.js'
import type { LogFields } from '../log.js'
import { invoke } from '../runtime/invoke.js'
import { readAuthorizerOutcome } from './authorizer.js'
import { servesWebSocketAt, wrongPathAdvice } from './base-path.js'
import { headersOf, sourceIpOf, splitUrl, withHeaders } from './request.js'
import type { GatewayState } from './state.js'

// The upgrade request: authorizer, then $connect, then the 101 (or the refusal with the
// status API Gateway would give). The id exists in the model from the start, in state
// `connecting`, so a post to it during its own $connect answers 410.

/** The subprotocol $connect chose for a request, read by the WebSocketServer's handleProtocols. */
export const chosenProtocols = new WeakMap<IncomingMessage, string>()

const MESSAGES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal server error',
  502: 'Internal server error',
  504: 'Endpoint request timed out',
}

/** Ends the handshake with an HTTP error, as a refused upgrade. */
export function refuse(socket: Duplex, status: number): void {
  if (socket.destroyed) return
  const body = JSON.stringify({ message: MESSAGES[status] ?? STATUS_CODES[status] ?? 'Error' })
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `x-amzn-RequestId: ${crypto.randomUUID()}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}

const KEY = /^[+/0-9A-Za-z]{22}==$/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

// ws refuses a subprotocol list that is not comma-separated RFC 7230 tokens without
// duplicates, but only in handleUpgrade, after $connect. Its parser (ws/lib/subprotocol.js)
// is not exported, so this is the same rule.
function validProtocols(header: string | undefined): boolean {
  if (header === undefined) return true
  const names = header.split(',').map((name) => name.replace(/^[ \t]+|[ \t]+$/g, ''))
  return names.every((name) => TOKEN.test(name)) && new Set(names).size === names.length
}

// Checked before any handler runs, so a broken client never triggers $connect.
function isWebSocketHandshake(req: IncomingMessage): boolean {
  const version = req.headers['sec-websocket-version']
  return (
    req.method === 'GET' &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    KEY.test(req.headers['sec-websocket-key'] ?? '') &&
    (version === '13' || version === '8') &&
    validProtocols(req.headers['sec-websocket-protocol'])
  )
}

export type Adopt = (ws: WebSocket, facts: ConnectionFacts, api: ApiInfo, req: IncomingMessage) => void

export async function handshake(
  state: GatewayState,
  wss: WebSocketServer,
  adopt: Adopt,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const { options, log, model } = state
  const started = performance.now()
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10
  const { pathname, query } = splitUrl(req.url)
  if (!servesWebSocketAt(options, pathname)) {
    const detail = wrongPathAdvice(options, req.headers.host || state.address(), pathname)
    log({ kind: 'CONNECT', route: '$connect', status: 403, detail })
    refuse(socket, 403)
    return
  }
  if (!isWebSocketHandshake(req)) {
    log({ kind: 'CONNECT', route: '$connect', status: 400, detail: 'not a valid WebSocket handshake' })
    refuse(socket, 400)
    return
  }
  let gone = false
  let adopted = false
  let refused = false

  const api: ApiInfo = {
    apiId: options.apiId,
    stage: options.stage,
    // Checked by the gateway before the handshake: the client's Host only when it names this gateway.
    domainName: state.hosts.domainFor(req.headers.host) ?? state.address(),
  }
  const userAgent = req.headers['user-agent']
  const facts: ConnectionFacts = {
    connectionId: newGatewayId(),
    connectedAt: Date.now(),
    sourceIp: sourceIpOf(req),
  }
  if (userAgent !== undefined) facts.userAgent = userAgent
  const id = facts.connectionId
  // The handshake as API Gateway forwards it: it terminated TLS, so the client side was https on 443.
  // Locally it is http on this port, which is what handlers building URLs need.
  const port = api.domainName.includes(':') ? api.domainName.slice(api.domainName.lastIndexOf(':') + 1) : '80'
  const headers = withHeaders(headersOf(req), { 'X-Forwarded-Port': port, 'X-Forwarded-Proto': 'http' })
  model.begin({
    connectionId: id,
    connectedAt: facts.connectedAt,
    sourceIp: facts.sourceIp,
    userAgent: facts.userAgent,
  })
  socket.once('close', () => {
    gone = true
    if (adopted || refused) return
    model.end(id)
    log({
      kind: 'CONNECT',
      route: '$connect',
      connectionId: id,
      status: 'gone',
      ms: elapsed(),
      detail: 'the client left during the handshake',
    })
  })

  // The $connect invocation (and what it printed), for the line that ends the handshake.
  let ran: Pick<LogFields, 'event' | 'result' | 'invocation' | 'fn' | 'output'> = {}
  const queryFields = query ? Object.fromEntries(query) : undefined
  const fail = (status: number, detail: string, error?: unknown) => {
    refused = true
    model.end(id)
    log({
      kind: 'CONNECT',
      route: '$connect',
      connectionId: id,
      status,
      ms: elapsed(),
      detail,
      error,
      query: queryFields,
      ...ran,
    })
    refuse(socket, status)
  }

  const authorizer = state.table.authorizer()
  const missing = authorizer ? missingIdentity(options.authorizerIdentitySource, headers, query) : undefined
  if (missing)
    return fail(401, `identity source ${missing} is missing: refused without calling the authorizer`)
  if (authorizer) {
    const event = buildAuthorizerEvent({ api, connection: facts, headers, query })
    const outcome = await invoke(authorizer, event, {
      timeoutMs: options.integrationTimeoutMs,
      functionName: 'authorizer',
    })
    const decision = readAuthorizerOutcome(outcome, event.methodArn)
    log({
      kind: 'AUTHORIZE',
      route: '$connect',
      connectionId: id,
      status: decision.allow ? 'allow' : decision.status,
      ms: outcome.ms,
      detail: decision.allow ? `principalId=${decision.context.principalId}` : decision.why,
      error:
        outcome.kind === 'error' && !decision.allow && decision.status === 500 ? outcome.error : undefined,
      event,
      result: outcome.kind === 'ok' ? outcome.value : undefined,
      invocation: outcome.requestId,
      fn: 'authorizer',
      query: queryFields,
      output: outcome.output,
    })
    if (!decision.allow) return fail(decision.status, 'refused by the authorizer')
    facts.authorizer = decision.context
  }

  let protocol: string | undefined
  const connect = state.table.forRoute('$connect')
  if (connect) {
    const event = buildConnectEvent({ api, connection: facts, headers, query, now: facts.connectedAt + 1 })
    const outcome = await invoke(connect, event, {
      timeoutMs: options.integrationTimeoutMs,
      functionName: '$connect',
    })
    ran = {
      event,
      result: outcome.kind === 'ok' ? outcome.value : undefined,
      invocation: outcome.requestId,
      fn: '$connect',
      output: outcome.output,
    }
    if (outcome.kind === 'timeout')
      return fail(504, `$connect timed out after ${options.integrationTimeoutMs}ms`)
    if (outcome.kind === 'error') return fail(502, '$connect failed', outcome.error)
    const decision = readConnectResult(outcome.value)
    if (!decision.accepted) return fail(decision.status, decision.reason)
    protocol = resultHeader(decision.result, 'Sec-WebSocket-Protocol')
  }

  // Gone already: the close listener has logged it.
  if (gone || socket.destroyed) return
  if (protocol !== undefined) chosenProtocols.set(req, protocol)
  else if (req.headers['sec-websocket-protocol']) {
    log({
      kind: 'CONNECT',
      route: '$connect',
      connectionId: id,
      detail:
        'the client offered subprotocols and $connect chose none (return a Sec-WebSocket-Protocol header): browsers will fail this connection',
    })
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    adopted = true
    adopt(ws, facts, api, req)
    log({
      kind: 'CONNECT',
      route: '$connect',
      connectionId: id,
      status: 101,
      ms: elapsed(),
      detail: protocol ? `protocol=${protocol}` : undefined,
      query: queryFields,
      ...ran,
    })
  })
}

/** The first identity source (`route.request.header.X` / `route.request.querystring.X`) the request lacks. */
function missingIdentity(
  sources: string[],
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  query: URLSearchParams | undefined,
): string | undefined {
  for (const source of sources) {
    const header = /^route\.request\.header\.(.+)$/i.exec(source)
    const param = /^route\.request\.querystring\.(.+)$/i.exec(source)
    let value: string | readonly string[] | undefined
    if (header) {
      const name = header[1]!.toLowerCase()
      for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) value = v
    } else if (param) value = query?.get(param[1]!) ?? undefined
    else continue
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return source
  }
  return undefined
}
