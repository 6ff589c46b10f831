import { AppError } from '../errors.js'

// Every error the App raises itself, in one place (design.md, "One errors.ts per folder").

/** Thrown at registration time: a duplicate or invalid route key, path or handler. */
export class RouteRegistrationError extends Error {
  override readonly name = 'RouteRegistrationError'
}

/** The error thrown for an event that is none of the supported triggers. */
export class UnknownEventError extends AppError {
  override readonly name = 'UnknownEventError'
  /** `received` describes the event; `reason` replaces the default explanation. */
  constructor(received: string, reason?: string) {
    super(
      'unknown_event',
      reason ??
        `socketeer cannot handle this event: expected an API Gateway WebSocket, REST (V1) proxy, HTTP API (V2), Function URL, ALB or $connect authorizer event; received ${received}`,
    )
  }
}

/**
 * `app.authorizer()` failed for a reason other than refusing the caller (a bug, a result
 * without a principalId). Its message is not `Unauthorized`, so API Gateway answers the
 * handshake with 500 rather than 401; the original error is the `cause`.
 */
export class AuthorizerFailedError extends Error {
  override readonly name = 'AuthorizerFailedError'
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
  }
}
