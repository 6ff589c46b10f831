// Every error socketeer/client raises, each with a stable `code` a UI can switch on.

export class ClientError extends Error {
  override readonly name: string = 'ClientError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** The App answered a request with an error: an `AppError`'s code, message and details. */
export class ServerError extends ClientError {
  override readonly name = 'ServerError'
  readonly requestId?: string
  readonly details?: unknown
  constructor(error: { code: string; message: string; requestId?: string; details?: unknown }) {
    super(error.code, error.message)
    if (error.requestId !== undefined) this.requestId = error.requestId
    if (error.details !== undefined) this.details = error.details
  }
}

/**
 * API Gateway's own error frame: `internal` (the function failed), `forbidden` (no route
 * for the action) or `gateway_timeout` (the integration passed 29 s).
 */
export class GatewayError extends ClientError {
  override readonly name = 'GatewayError'
  constructor(
    code: 'internal' | 'forbidden' | 'gateway_timeout',
    message: string,
    readonly requestId?: string,
  ) {
    super(code, message)
  }
}

export class RequestTimeoutError extends ClientError {
  override readonly name = 'RequestTimeoutError'
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super('request_timeout', `no reply to ${JSON.stringify(action)} within ${timeoutMs} ms`)
  }
}

export class QueueFullError extends ClientError {
  override readonly name = 'QueueFullError'
  constructor(readonly limit: number) {
    super(
      'queue_full',
      `the send queue is full (${limit} messages wait for a connection); raise queueLimit or wait for 'open'`,
    )
  }
}

export class ClientClosedError extends ClientError {
  override readonly name = 'ClientClosedError'
  constructor() {
    super('client_closed', 'the client was closed')
  }
}

/**
 * A connection attempt failed; `status` is the refused handshake's HTTP status where the
 * platform shows it (Node with `ws`), undefined in browsers. `failures` counts the
 * handshakes in a row that failed with no reason the platform could tell.
 */
export class ConnectError extends ClientError {
  override readonly name = 'ConnectError'
  constructor(
    message: string,
    readonly status?: number,
    readonly failures = 0,
  ) {
    super(status === 401 || status === 403 ? 'unauthorized' : 'connect_failed', message)
  }
}
