// The gateway's own errors.

/** A request body past the gateway's limit; reading stops and the request is refused. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
}
