// What makes a requestContext a WebSocket one (semantics page, section 7), as one list:
// detection asks whether all hold, the unknown-event message names the ones that fail.

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null
}

const WEBSOCKET_CONTEXT: ReadonlyArray<readonly [string, (rc: Record<string, any>) => boolean]> = [
  ['a string connectionId', (rc) => typeof rc.connectionId === 'string'],
  ['a string routeKey', (rc) => typeof rc.routeKey === 'string'],
  [
    'eventType CONNECT/MESSAGE/DISCONNECT',
    (rc) => rc.eventType === 'MESSAGE' || rc.eventType === 'CONNECT' || rc.eventType === 'DISCONNECT',
  ],
  ['messageDirection "IN"', (rc) => rc.messageDirection === 'IN'],
  // Where the connection is reached: every handler that sends derives its endpoint from them.
  ['a string domainName', (rc) => typeof rc.domainName === 'string'],
  ['a string stage', (rc) => typeof rc.stage === 'string'],
]

export function isWebSocketContext(rc: Record<string, any>): boolean {
  for (const [, holds] of WEBSOCKET_CONTEXT) if (!holds(rc)) return false
  return true
}

/** What a requestContext lacks to be a WebSocket one, in words. */
export function webSocketContextLacks(rc: Record<string, any>): string[] {
  return WEBSOCKET_CONTEXT.filter(([, holds]) => !holds(rc)).map(([what]) => what)
}
