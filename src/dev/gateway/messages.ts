import { newGatewayId } from '../../events/ids.js'
import { readProxyResult } from '../../events/proxy-result.js'
import { buildDisconnectEvent, buildMessageEvent } from '../../events/websocket.js'
import { selectRoute } from '../../websocket/route-selection.js'
import { invoke } from '../runtime/invoke.js'
import { type CloseInfo, type Connection, clientCloseInfo } from './connection.js'
import { type ErrorFrameMessage, errorFrame } from './error-frames.js'
import type { GatewayState } from './state.js'

// A connection's life after the handshake: each text frame → route selection →
// MESSAGE event → handler → (error frame | route response | nothing), and the
// $disconnect at the end. All of it runs on the connection's queue, in order.

export const UNSUPPORTED_BINARY: CloseInfo = { code: 1003, reason: 'Binary frames are not supported' }
export const MESSAGE_TOO_BIG: CloseInfo = { code: 1009, reason: 'Message too big' }

/** A frame arrived from the client. */
export function onFrame(state: GatewayState, conn: Connection, data: Buffer, isBinary: boolean): void {
  // Frames that arrive after the gateway started closing are not delivered.
  if (conn.closedBy) return
  if (isBinary) {
    state.log({
      kind: 'MESSAGE',
      connectionId: conn.id,
      status: 1003,
      detail: 'binary frame: closing (API Gateway accepts text frames only)',
    })
    closeConnection(state, conn, UNSUPPORTED_BINARY)
    return
  }
  state.model.touch(conn.id)
  conn.activity()
  // ws has validated the UTF-8 already.
  const body = data.toString('utf8')
  conn.enqueue(() => handleMessage(state, conn, body, data.length))
}

/** The gateway ends a connection: no more posts (410) from now, $disconnect follows the socket's close. */
export function closeConnection(state: GatewayState, conn: Connection, info: CloseInfo): void {
  state.model.end(conn.id)
  conn.close(info)
}

function sendError(conn: Connection, message: ErrorFrameMessage, requestId: string): void {
  if (conn.open) conn.send(errorFrame(message, conn.id, requestId))
}

async function handleMessage(
  state: GatewayState,
  conn: Connection,
  body: string,
  bytes: number,
): Promise<void> {
  const requestId = newGatewayId()
  try {
    await routeMessage(state, conn, body, bytes, requestId)
  } catch (error) {
    // A failure of the gateway's own: the client still gets the frame AWS sends when a
    // message cannot be handled, never silence.
    state.log({ kind: 'MESSAGE', connectionId: conn.id, status: 500, error })
    sendError(conn, 'Internal server error', requestId)
  }
}

async function routeMessage(
  state: GatewayState,
  conn: Connection,
  body: string,
  bytes: number,
  requestId: string,
): Promise<void> {
  const { options, table, log } = state
  const selected = options.selectRouteKey(body)
  if (options.keepaliveRoutes.has(selected)) {
    // A MOCK integration (CDK `keepaliveRoute`): no function, no reply; the idle clock restarted on receipt.
    log({ kind: 'MESSAGE', route: selected, connectionId: conn.id, status: 200, detail: 'keepalive (mock)' })
    return
  }
  const routeKey = selectRoute(selected, table.routeKeys())
  const frame = (message: ErrorFrameMessage) => sendError(conn, message, requestId)
  const fn = table.forRoute(routeKey)
  if (!fn) {
    log({
      kind: 'MESSAGE',
      route: selected || '(none)',
      connectionId: conn.id,
      status: 403,
      detail: `no route for ${JSON.stringify(selected)} and no $default: Forbidden`,
      bytes,
      frame: body,
    })
    frame('Forbidden')
    return
  }
  const event = buildMessageEvent({ api: conn.api, connection: conn.facts, routeKey, body, requestId })
  const outcome = await invoke(fn, event, { timeoutMs: options.integrationTimeoutMs, functionName: routeKey })
  // What every line of this message carries for subscribers (the inspector).
  const facts = { event, invocation: outcome.requestId, fn: routeKey, bytes }
  if (outcome.kind === 'timeout') {
    log({
      kind: 'MESSAGE',
      route: routeKey,
      connectionId: conn.id,
      status: 504,
      ms: outcome.ms,
      output: outcome.output,
      detail: 'Endpoint request timed out',
      ...facts,
    })
    frame('Endpoint request timed out')
    return
  }
  if (outcome.kind === 'error') {
    log({
      kind: 'MESSAGE',
      route: routeKey,
      connectionId: conn.id,
      status: 502,
      ms: outcome.ms,
      output: outcome.output,
      error: outcome.error,
      ...facts,
    })
    frame('Internal server error')
    return
  }
  const read = readProxyResult(outcome.value)
  if (!read.ok) {
    log({
      kind: 'MESSAGE',
      route: routeKey,
      connectionId: conn.id,
      status: 502,
      ms: outcome.ms,
      output: outcome.output,
      detail: `malformed Lambda proxy response: ${read.reason}`,
      result: outcome.value,
      ...facts,
    })
    frame('Internal server error')
    return
  }
  const { statusCode, body: reply } = read.result
  const respond = options.routeResponses(routeKey) && reply !== undefined
  if (respond && conn.open) conn.send(reply)
  const note =
    reply !== undefined && !options.routeResponses(routeKey)
      ? 'body not sent: no route response on this route'
      : respond
        ? 'route response sent'
        : undefined
  log({
    kind: 'MESSAGE',
    route: routeKey,
    connectionId: conn.id,
    status: statusCode,
    ms: outcome.ms,
    output: outcome.output,
    detail: note,
    result: outcome.value,
    data: respond && conn.open ? reply : undefined,
    ...facts,
  })
}

/** The socket closed, whoever closed it: fire $disconnect after the connection's pending events. */
export function onClosed(state: GatewayState, conn: Connection, code: number, reason: string): Promise<void> {
  const info = conn.closedBy ?? clientCloseInfo(code, reason)
  conn.stopTimers()
  state.model.end(conn.id)
  state.connections.delete(conn.id)
  return conn.enqueue(async () => {
    const fn = state.table.forRoute('$disconnect')
    const detail = `${info.code} ${JSON.stringify(info.reason)}`
    if (!fn) {
      state.log({
        kind: 'DISCONNECT',
        connectionId: conn.id,
        status: info.code,
        detail: JSON.stringify(info.reason),
        close: info,
      })
      return
    }
    const event = buildDisconnectEvent({
      api: conn.api,
      connection: conn.facts,
      statusCode: info.code,
      reason: info.reason,
    })
    const outcome = await invoke(fn, event, {
      timeoutMs: state.options.integrationTimeoutMs,
      functionName: '$disconnect',
    })
    state.log({
      kind: 'DISCONNECT',
      route: '$disconnect',
      connectionId: conn.id,
      status: outcome.kind === 'ok' ? info.code : outcome.kind,
      ms: outcome.ms,
      output: outcome.output,
      detail: outcome.kind === 'timeout' ? `${detail}; $disconnect timed out` : detail,
      error: outcome.kind === 'error' ? outcome.error : undefined,
      event,
      result: outcome.kind === 'ok' ? outcome.value : undefined,
      invocation: outcome.requestId,
      fn: '$disconnect',
      close: info,
    })
  })
}
