import { isObject, webSocketContextLacks } from './websocket-shape.js'

// Names what an unrecognised event looked like in an error message, without echoing
// its values (they may hold tokens or personal data).

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
  return `an object with keys ${keys.join(', ')}${more}${rc}${webSocketHint(event.requestContext)}`
}

// A hand-made test event that nearly is a WebSocket one: say what it lacks, since
// the key list above is cut short.
function webSocketHint(rc: unknown): string {
  if (!isObject(rc) || !('connectionId' in rc)) return ''
  const missing = webSocketContextLacks(rc)
  return missing.length > 0 ? `; a WebSocket event's requestContext also needs ${missing.join(', ')}` : ''
}
