import { detectTrigger } from '../src/events/detect.js'
import { asLambdaSends, readConnectResult } from '../src/events/proxy-result.js'
import type { WebSocketEvent } from '../src/events/types.js'
import type { ConnectionsModel } from '../src/management/model.js'
import { TestkitError } from './errors.js'

// What an invoked WebSocket event tells the @connections model about its connection,
// so a test does not have to set up by hand what the gateway would already know:
// - CONNECT: the id exists but is not connected while `$connect` runs (posting is
//   410); a result the gateway accepts (readConnectResult) makes it live, anything
//   else (or a throw) ends it. An id the fake already knows is a test's mistake.
// - MESSAGE: a frame can only arrive on a live connection, so an id the fake has
//   never seen becomes live; one the test closed stays closed (a message racing a close).
// - DISCONNECT: the socket is already gone when `$disconnect` runs (posting is 410).

function connectionOf(event: unknown): WebSocketEvent['requestContext'] | undefined {
  return detectTrigger(event) === 'websocket' ? (event as WebSocketEvent).requestContext : undefined
}

function begin(model: ConnectionsModel, rc: WebSocketEvent['requestContext']): void {
  const facts: Parameters<ConnectionsModel['begin']>[0] = {
    connectionId: rc.connectionId,
    connectedAt: rc.connectedAt,
    sourceIp: rc.identity?.sourceIp ?? '',
  }
  if (rc.identity?.userAgent !== undefined) facts.userAgent = rc.identity.userAgent
  model.begin(facts)
}

export function beforeEvent(model: ConnectionsModel, event: unknown): void {
  const rc = connectionOf(event)
  if (!rc) return
  const state = model.state(rc.connectionId)
  switch (rc.eventType) {
    case 'CONNECT':
      // A live or closed id would let `$connect` post to itself, which AWS answers 410.
      if (state !== undefined && state !== 'connecting') {
        throw new TestkitError(
          `$connect for ${rc.connectionId}, which the fake already knows as ${state}: API Gateway never reuses connection ids; give each $connect a fresh one`,
        )
      }
      if (state === undefined) begin(model, rc)
      return
    case 'MESSAGE':
      if (state === undefined) {
        begin(model, rc)
        model.accept(rc.connectionId)
      }
      // The frame is client activity: GetConnection's lastActiveAt moves to now.
      model.touch(rc.connectionId)
      return
    case 'DISCONNECT':
      if (state === undefined) begin(model, rc)
      model.end(rc.connectionId)
      return
  }
}

export function afterEvent(
  model: ConnectionsModel,
  event: unknown,
  outcome: { result?: unknown; error?: unknown },
): void {
  const rc = connectionOf(event)
  if (rc?.eventType !== 'CONNECT' || model.state(rc.connectionId) !== 'connecting') return
  if (outcome.error === undefined && isAccepted(outcome.result)) model.accept(rc.connectionId)
  else model.end(rc.connectionId)
}

// As the gateway reads it: what Lambda would send (the JSON of the result), then the rule.
function isAccepted(result: unknown): boolean {
  try {
    return readConnectResult(asLambdaSends(result)).accepted
  } catch {
    return false // not JSON-serialisable: the invocation fails on Lambda
  }
}
