// Names what an unrecognised event looked like in an error message, without echoing
// its values (they may hold tokens or personal data).

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null
}

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
  return `an object with keys ${keys.join(', ')}${more}${rc}`
}
