import type { ConnectionInfo } from '../types.js'

// The seam between the streamer and the wire. Everything above it (validation, retry,
// deadlines, broadcast) is transport-neutral. Three implementations: `sigv4` (the
// default: a signed request over a keep-alive agent), `sdk` (the AWS SDK v3 client) and
// `local` (the in-process gateway). All of them type their failures through one rule,
// ./classify.ts.

export interface Transport {
  // `requestId` is the caller's CallOptions.requestId: only an in-process transport (the
  // local gateway's) reads it, to tie the call to the invocation that made it.
  /** Must reject with a StreamerError (typed through ./classify.ts or equivalent). */
  post(
    connectionId: string,
    data: Uint8Array,
    signal?: AbortSignal,
    timeoutMs?: number,
    requestId?: string,
  ): Promise<void>
  get(
    connectionId: string,
    signal?: AbortSignal,
    timeoutMs?: number,
    requestId?: string,
  ): Promise<ConnectionInfo>
  delete(connectionId: string, signal?: AbortSignal, timeoutMs?: number, requestId?: string): Promise<void>
  /**
   * True when the transport bounds each attempt itself: it gives up after `timeoutMs`
   * (when given) with a StreamerNetworkError whose code is `TimeoutError`, and stops when
   * `signal` aborts. The streamer then passes the caller's signal and the time left as
   * they are, and makes no AbortController or timer of its own per attempt. A transport
   * without it gets a signal that the streamer aborts at the attempt timeout or deadline.
   */
  readonly boundsAttempts?: boolean
}

/** Static AWS credentials, as Lambda's environment or any provider gives them. */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string | undefined
  /** When they stop working; they are fetched again before then. */
  expiration?: Date | undefined
}

/** Called when credentials are needed (and again before `expiration`). */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>
