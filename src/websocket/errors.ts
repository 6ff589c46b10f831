// The WebSocket folder's errors.

/** A route selection expression that API Gateway would refuse at deploy time. */
export class RouteSelectionError extends Error {
  override readonly name = 'RouteSelectionError'
}
