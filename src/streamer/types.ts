// The portable interface of an @connections client. The real client (SDK transport),
// the testkit's FakeStreamer and anything a user injects implement it.

export interface ConnectionInfo {
  connectionId: string
  connectedAt: Date
  lastActiveAt: Date
  sourceIp: string
  userAgent?: string
}

/** A string goes as UTF-8, bytes (any ArrayBuffer view, an ArrayBuffer) as they are, anything else as JSON. */
export type PostData = string | Uint8Array | object

export interface CallOptions {
  /**
   * Absolute deadline (epoch ms) for the call including retries; the App sets it from
   * the Lambda's remaining time. Past it: StreamerTimeoutError, and no backoff starts
   * that would end after it.
   */
  deadline?: number
  /** Cancels the call; it then rejects with the signal's reason. */
  signal?: AbortSignal
  /**
   * The Lambda request id (`context.awsRequestId`) of the invocation making the call. It
   * is never sent to AWS; a local gateway's inspector files the call under that
   * invocation. The App sets it for every call made through its context.
   */
  requestId?: string
}

export interface BroadcastOptions extends CallOptions {
  /** Sends in flight at once, a positive integer; default 64. */
  concurrency?: number
}

export interface BroadcastFailure {
  connectionId: string
  error: Error
}

/** Every id lands in exactly one list, in completion order. */
export interface BroadcastResult {
  sent: string[]
  /** 410: prune these from your connection store. */
  gone: string[]
  failed: BroadcastFailure[]
}

export interface StreamerClient {
  readonly endpoint: string
  postToConnection(connectionId: string, data: PostData, options?: CallOptions): Promise<void>
  getConnection(connectionId: string, options?: CallOptions): Promise<ConnectionInfo>
  /** Gone counts as done. */
  deleteConnection(connectionId: string, options?: CallOptions): Promise<void>
  broadcast(
    connectionIds: Iterable<string> | AsyncIterable<string>,
    data: PostData,
    options?: BroadcastOptions,
  ): Promise<BroadcastResult>
}

/** Makes (or returns a cached) client for a management endpoint. */
export type StreamerFactory = (endpoint: string, options: { region?: string }) => StreamerClient
