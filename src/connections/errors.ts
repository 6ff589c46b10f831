import { AppError } from '../errors.js'

/**
 * The connection is not (or no longer) registered: deleted, expired, or never saved.
 * Thrown by join() and put(); a handler racing `$disconnect` sees this, not a stale write.
 */
export class ConnectionGoneError extends AppError {
  override readonly name = 'ConnectionGoneError'
  readonly connectionId: string
  constructor(connectionId: string, message?: string) {
    super('connection_gone', message ?? `connection ${connectionId} is not registered (deleted or expired)`, {
      status: 410,
    })
    this.connectionId = connectionId
  }
}

/** ws.join(), ws.leave() and ws.broadcast() were called on an App built without a store. */
export class ConnectionStoreMissingError extends AppError {
  override readonly name = 'ConnectionStoreMissingError'
  constructor(operation: string) {
    super(
      'connections_not_configured',
      `${operation} needs a connection store: new App({ connections: new MemoryConnectionStore() }) or new DynamoConnectionStore({ tableName })`,
      { status: 500 },
    )
  }
}

/** A group name or record that the table cannot hold. */
export class ConnectionStoreValidationError extends AppError {
  override readonly name = 'ConnectionStoreValidationError'
  constructor(message: string) {
    super('bad_request', message, { status: 400 })
  }
}

/**
 * A DynamoDB call of the connection store failed (throttled past the SDK's retries,
 * no permission, a missing table, ...). The SDK's error is the `cause`; `operation`
 * names the store call. Status 503: the client sees the generic `unavailable` envelope.
 */
export class ConnectionStoreError extends AppError {
  override readonly name: string = 'ConnectionStoreError'
  readonly operation: string
  constructor(operation: string, message: string, cause?: unknown) {
    super('connection_store_unavailable', message, { status: 503, cause })
    this.operation = operation
  }
}

/** A DynamoDB call of the connection store got no answer within `requestTimeoutMs`. */
export class ConnectionStoreTimeoutError extends ConnectionStoreError {
  override readonly name = 'ConnectionStoreTimeoutError'
  readonly timeoutMs: number
  constructor(operation: string, timeoutMs: number, cause?: unknown) {
    super(operation, `connection store ${operation}: no answer from DynamoDB within ${timeoutMs} ms`, cause)
    this.timeoutMs = timeoutMs
  }
}
