/** Thrown at registration time: a duplicate or invalid route key, path or handler. */
export class RouteRegistrationError extends Error {
  override readonly name = 'RouteRegistrationError'
}
