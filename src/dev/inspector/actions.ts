import { GoneError, PayloadTooLargeError, StreamerError } from '../../streamer/errors.js'
import { MAX_MESSAGE_BYTES } from '../../streamer/limits.js'
import type { GatewayState } from '../gateway/state.js'
import type { LambdaHandler } from '../options.js'
import { invoke } from '../runtime/invoke.js'
import { InspectorError } from './errors.js'
import { INSPECTOR_CALLER as CALLER, type Recorder } from './recorder.js'

// What the page can do: post to a connection and disconnect it (through the same
// @connections model as every other caller, so the answers are AWS's), and run a
// recorded event through its function again.

function asInspectorError(error: unknown, connectionId: string): InspectorError {
  if (error instanceof GoneError)
    return new InspectorError(
      410,
      `No open connection ${connectionId}: it closed, or never existed (GoneException)`,
    )
  if (error instanceof PayloadTooLargeError)
    return new InspectorError(
      413,
      `The message is over ${MAX_MESSAGE_BYTES} bytes, API Gateway's limit (PayloadTooLargeException)`,
    )
  if (error instanceof StreamerError) return new InspectorError(error.status ?? 500, error.message)
  throw error
}

function manage(
  state: GatewayState,
  op: 'POST' | 'DELETE',
  connectionId: string,
  run: () => void,
  data?: Uint8Array,
) {
  const started = performance.now()
  const ms = () => Math.round((performance.now() - started) * 10) / 10
  const facts = {
    kind: 'MANAGE' as const,
    route: `${op} inspector`,
    connectionId,
    caller: CALLER,
    data,
    bytes: data?.length,
  }
  try {
    run()
    state.log({ ...facts, status: op === 'POST' ? 200 : 204, ms: ms() })
  } catch (error) {
    const failure = asInspectorError(error, connectionId)
    state.log({ ...facts, status: failure.status, ms: ms(), detail: failure.message })
    throw failure
  }
}

export function postTo(state: GatewayState, connectionId: string, data: Uint8Array): void {
  manage(state, 'POST', connectionId, () => state.model.post(connectionId, data), data)
}

/** As DeleteConnection: the socket closes with 1000, $disconnect follows. */
export function disconnect(state: GatewayState, connectionId: string): void {
  manage(state, 'DELETE', connectionId, () => state.model.delete(connectionId))
}

interface Target {
  handler: LambdaHandler
  timeoutMs: number
  functionName: string
}

/** The function a record names, as it is now (undefined when nothing serves it any more). */
function functionFor(state: GatewayState, fn: string): Target | undefined {
  const timeoutMs = state.options.integrationTimeoutMs
  if (fn.startsWith('http ')) {
    // An HTTP route's own function (a project file's http event), not the main handler.
    const route = state.table.httpRouteByKey(fn)
    return route
      ? {
          handler: route.handler,
          timeoutMs: Math.min(timeoutMs, route.timeoutMs ?? Number.POSITIVE_INFINITY),
          functionName: route.functionName ?? fn,
        }
      : undefined
  }
  const handler =
    fn === 'authorizer'
      ? state.table.authorizer()
      : fn === 'http'
        ? state.table.http()
        : state.table.forRoute(fn)
  return handler ? { handler, timeoutMs, functionName: fn } : undefined
}

export interface Replayed {
  seq: number
  note?: string
}

/** Runs a recorded event through the function now serving its route; the run is recorded as a new record. */
export async function replay(state: GatewayState, recorder: Recorder, seq: number): Promise<Replayed> {
  const entry = recorder.get(seq)
  if (!entry)
    throw new InspectorError(
      404,
      `#${seq} is no longer held: the inspector keeps the last ${recorder.options.maxEvents} events`,
    )
  if (entry.event === undefined || entry.fn === undefined)
    throw new InspectorError(400, `#${seq} ran no function: there is nothing to replay`)
  if (entry.cut?.['event.body'] !== undefined)
    throw new InspectorError(
      409,
      `#${seq}'s body was cut at ${recorder.options.maxBodyBytes} characters (it had ${entry.cut['event.body']}): a replay would not be the same event; raise the inspector's maxBodyBytes`,
    )
  const fn = functionFor(state, entry.fn)
  if (!fn)
    throw new InspectorError(
      409,
      `Nothing serves ${entry.fn} any more (the handlers were reloaded since #${seq}): nothing to replay to`,
    )
  const reloads = state.table.generation - entry.generation
  const note =
    reloads > 0
      ? `The handlers were reloaded since #${seq}: it ran against the current code, not the code that first handled it.`
      : undefined
  const outcome = await invoke(fn.handler, entry.event, {
    timeoutMs: fn.timeoutMs,
    functionName: fn.functionName,
  })
  const result = outcome.kind === 'ok' ? outcome.value : undefined
  const statusCode = (result as { statusCode?: unknown } | undefined)?.statusCode
  state.log({
    kind: entry.kind,
    route: entry.route,
    connectionId: entry.connectionId,
    status:
      outcome.kind === 'timeout'
        ? 504
        : outcome.kind === 'error'
          ? 502
          : typeof statusCode === 'number'
            ? statusCode
            : 'ok',
    ms: outcome.ms,
    detail: `replay of #${seq}${reloads > 0 ? ' (after a reload)' : ''}${outcome.kind === 'timeout' ? ': timed out' : ''}`,
    error: outcome.kind === 'error' ? outcome.error : undefined,
    event: entry.event,
    result,
    invocation: outcome.requestId,
    fn: entry.fn,
  })
  return note ? { seq: recorder.lastSeq, note } : { seq: recorder.lastSeq }
}
