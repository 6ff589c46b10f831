import { isObject, webSocketContextLacks } from './websocket-shape.js'

// Names what an unrecognised event looked like in an error message, without echoing
// its values (they may hold tokens or personal data), and for a near miss of a known
// trigger, the field that decided against it.

/** A short, safe description of an unrecognised event for error messages. */
export function describeEvent(event: unknown): string {
  if (event === null) return 'null'
  if (Array.isArray(event)) return `an array of ${event.length}`
  if (!isObject(event)) return typeof event
  const keys = Object.keys(event).slice(0, 8)
  const more = Object.keys(event).length > keys.length ? ', …' : ''
  const rc = isObject(event.requestContext)
    ? ` (requestContext keys: ${Object.keys(event.requestContext).slice(0, 8).join(', ')})`
    : ''
  const why = nearMiss(event)
  return `an object with keys ${keys.join(', ')}${more}${rc}${why ? `; ${why}` : ''}`
}

const code = (name: string) => `\`${name}\``

/** For an event that nearly is one of the triggers: the deciding field, in words. */
function nearMiss(event: Record<string, any>): string {
  if (event.type === 'TOKEN') {
    return '`type: "TOKEN"` marks a REST TOKEN authorizer event: authorizer events are never HTTP requests, and app.authorizer() answers only the WebSocket $connect REQUEST authorizer'
  }
  if (event.type === 'REQUEST') {
    if (typeof event.routeArn === 'string')
      return '`type: "REQUEST"` with `routeArn` marks an HTTP API (payload 2.0) Lambda authorizer event: authorizer events are never HTTP requests, and app.authorizer() answers only REQUEST authorizers with a `methodArn` (the WebSocket $connect one)'
    if (typeof event.methodArn !== 'string')
      return '`type: "REQUEST"` marks an authorizer event, but it has no string `methodArn`'
    return 'an authorizer event (`type: "REQUEST"`, `methodArn`) also needs a `requestContext` object'
  }
  const rc = event.requestContext
  if (!isObject(rc)) {
    const marker = ['httpMethod', 'version', 'rawPath', 'routeKey'].find((k) => event[k] !== undefined)
    return marker ? `it has ${code(marker)} but no \`requestContext\` object` : ''
  }
  if ('connectionId' in rc) {
    // A WebSocket-looking requestContext: a top-level field of another trigger decides.
    const other = ['httpMethod', 'version', 'rawPath'].find((k) => event[k] !== undefined)
    if (other)
      return `its requestContext looks like a WebSocket one, but the top-level ${code(other)} marks another trigger (API Gateway never sends it on a WebSocket event)`
    const missing = webSocketContextLacks(rc)
    return missing.length > 0 ? `a WebSocket event's requestContext also needs ${missing.join(', ')}` : ''
  }
  if (event.version === '2.0') {
    if (typeof event.rawPath !== 'string')
      return '`version: "2.0"` marks an HTTP API event, but `rawPath` is not a string'
    if (!isObject(rc.http) || typeof rc.http.method !== 'string')
      return '`version: "2.0"` marks an HTTP API event, but `requestContext.http.method` is not a string'
  }
  if (isObject(rc.elb)) {
    if (typeof rc.elb.targetGroupArn !== 'string')
      return '`requestContext.elb` marks an ALB event, but `requestContext.elb.targetGroupArn` is not a string'
    for (const k of ['httpMethod', 'path'])
      if (typeof event[k] !== 'string')
        return `\`requestContext.elb\` marks an ALB event, but ${code(k)} is not a string`
  }
  if (event.httpMethod !== undefined) {
    for (const k of ['httpMethod', 'resource', 'path'])
      if (typeof event[k] !== 'string')
        return `\`httpMethod\` marks a REST (V1) proxy event, but ${code(k)} is not a string`
  }
  return ''
}
