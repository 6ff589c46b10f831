import { setMaxListeners } from 'node:events'
import { broadcastWith } from './broadcast.js'
import { resolveEndpoint, resolveRegion } from './config.js'
import { GoneError, StreamerError, StreamerValidationError } from './errors.js'
import { type RetryOptions, type RetryPolicy, resolveRetry, withRetry } from './retry.js'
import { streamerErrorFor } from './transport/classify.js'
import { localTransportFor } from './transport/local.js'
import { createSdkTransport, type SdkClientLike } from './transport/sdk.js'
import { createSigV4Transport } from './transport/sigv4.js'
import type { AwsCredentials, AwsCredentialsProvider, Transport } from './transport/types.js'
import type {
  BroadcastOptions,
  BroadcastResult,
  CallOptions,
  ConnectionInfo,
  PostData,
  StreamerClient,
} from './types.js'
import { encodePostData, validateCallOptions, validateConnectionId } from './validate.js'

export interface StreamerClientOptions {
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`; default SOCKETEER_MANAGEMENT_ENDPOINT. */
  endpoint?: string
  /** Default: from the execute-api host, else AWS_REGION. */
  region?: string
  /** Retry policy for 429, 5xx and network errors; `false` for none. */
  retry?: RetryOptions | false
  /**
   * One attempt that has no answer after this long is abandoned and counts as a
   * network error (retryable): a keep-alive socket can die silently while a Lambda is
   * frozen. Default 5 000 ms; 0 for none (the call's deadline still applies).
   */
  attemptTimeoutMs?: number
  /**
   * The wire. `'sigv4'` (the default): requests signed with SigV4 over a keep-alive
   * agent, no AWS SDK loaded. `'sdk'`: the AWS SDK v3 client (an optional peer
   * dependency, imported on first use). Or any object implementing `Transport`.
   */
  transport?: Transport | 'sigv4' | 'sdk'
  /**
   * Credentials to sign with; they win over everything else. Default: the environment
   * (what Lambda provides), else the SDK's default provider chain (profiles, SSO,
   * container and instance roles), loaded only then. A function is called again
   * shortly before the credentials it returned expire.
   */
  credentials?: AwsCredentials | AwsCredentialsProvider
  /** The agent for the requests (default: one keep-alive agent per protocol for the process). */
  agent?: import('node:http').Agent
  /** An `ApiGatewayManagementApiClient` of your own; implies `transport: 'sdk'`. */
  sdkClient?: SdkClientLike
  /** Extra SDK client configuration (requestHandler, ...); implies `transport: 'sdk'` and gives this client its own SDK client. */
  clientConfig?: Record<string, unknown>
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 5000

// Every in-flight attempt listens to the caller's signal; a broadcast has up to
// `concurrency` of them, past Node's 10-listener leak warning. They listen to this
// private copy instead, which follows the caller's with a single listener.
function linkSignal(outer: AbortSignal | undefined): { signal: AbortSignal; unlink(): void } | undefined {
  if (!outer) return undefined
  const inner = new AbortController()
  setMaxListeners(0, inner.signal)
  const onAbort = () => inner.abort(outer.reason)
  if (outer.aborted) onAbort()
  else outer.addEventListener('abort', onAbort, { once: true })
  return { signal: inner.signal, unlink: () => outer.removeEventListener('abort', onAbort) }
}

class Client implements StreamerClient {
  readonly endpoint: string
  readonly region: string
  readonly #transport: Transport
  /** No transport was given: an in-process gateway on this endpoint is preferred to the wire. */
  readonly #routeLocal: boolean
  readonly #retry: RetryPolicy
  readonly #attemptTimeoutMs: number
  /** The transport bounds its own attempts: no AbortController or timer per attempt here. */
  readonly #bounded: boolean

  constructor(options: StreamerClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new StreamerValidationError('createStreamerClient options must be an object')
    }
    this.endpoint = resolveEndpoint(options.endpoint)
    this.region = resolveRegion(this.endpoint, options.region)
    this.#retry = resolveRetry(options.retry)
    const timeout = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS
    if (typeof timeout !== 'number' || !(timeout >= 0)) {
      throw new StreamerValidationError(`attemptTimeoutMs must be a number >= 0, got ${String(timeout)}`)
    }
    this.#attemptTimeoutMs = timeout
    this.#routeLocal = typeof options.transport !== 'object'
    this.#transport = pickTransport(options, this.endpoint, this.region)
    this.#bounded = this.#transport.boundsAttempts === true
  }

  // Looked up per call, not once: clients are cached for the life of the module, and a
  // local gateway may start or stop on that endpoint in between. An in-process answer
  // comes at once, so it runs without the per-attempt timeout; the call's deadline and
  // signal still apply, as they would over the wire.
  #run<T>(
    op: (transport: Transport, signal: AbortSignal | undefined, timeoutMs: number | undefined) => Promise<T>,
    connectionId: string,
    options: CallOptions | undefined,
  ): Promise<T> {
    const local = this.#routeLocal ? localTransportFor(this.endpoint) : undefined
    if (local) {
      return withRetry(
        (signal, timeoutMs) => op(local, signal, timeoutMs).catch((e) => ownError(e, connectionId)),
        this.#retry,
        options,
        0,
        connectionId,
        local.boundsAttempts === true,
      )
    }
    return withRetry(
      (signal, timeoutMs) => op(this.#transport, signal, timeoutMs),
      this.#retry,
      options,
      this.#attemptTimeoutMs,
      connectionId,
      this.#bounded,
    )
  }

  async postToConnection(connectionId: string, data: PostData, options?: CallOptions): Promise<void> {
    validateConnectionId(connectionId)
    validateCallOptions(options)
    const bytes = encodePostData(data, connectionId)
    await this.#post(connectionId, bytes, options)
  }

  #post(connectionId: string, bytes: Uint8Array, options: CallOptions | undefined): Promise<void> {
    return this.#run(
      (t, signal, ms) => t.post(connectionId, bytes, signal, ms, options?.requestId),
      connectionId,
      options,
    )
  }

  async getConnection(connectionId: string, options?: CallOptions): Promise<ConnectionInfo> {
    validateConnectionId(connectionId)
    validateCallOptions(options)
    return this.#run(
      (t, signal, ms) => t.get(connectionId, signal, ms, options?.requestId),
      connectionId,
      options,
    )
  }

  async deleteConnection(connectionId: string, options?: CallOptions): Promise<void> {
    validateConnectionId(connectionId)
    validateCallOptions(options)
    try {
      await this.#run(
        (t, signal, ms) => t.delete(connectionId, signal, ms, options?.requestId),
        connectionId,
        options,
      )
    } catch (error) {
      // The connection is closed either way: by us, by the client, or long ago.
      if (error instanceof GoneError) return
      throw error
    }
  }

  async broadcast(
    connectionIds: Iterable<string> | AsyncIterable<string>,
    data: PostData,
    options?: BroadcastOptions,
  ): Promise<BroadcastResult> {
    validateCallOptions(options)
    // Encode and size-check once, not per connection: an oversized message is the
    // caller's error and fails the whole broadcast before any request.
    const bytes = encodePostData(data)
    const link = linkSignal(options?.signal)
    const call: BroadcastOptions | undefined = link ? { ...options, signal: link.signal } : options
    try {
      return await broadcastWith(
        (id, payload) => {
          validateConnectionId(id)
          return this.#post(id, payload, call)
        },
        connectionIds,
        bytes,
        call,
      )
    } finally {
      link?.unlink()
    }
  }
}

function pickTransport(options: StreamerClientOptions, endpoint: string, region: string): Transport {
  const { transport, credentials, agent, sdkClient, clientConfig } = options
  if (typeof transport === 'object' && transport !== null) return transport
  if (transport !== undefined && transport !== 'sigv4' && transport !== 'sdk') {
    throw new StreamerValidationError(
      `transport must be 'sigv4', 'sdk' or an object with post, get and delete; got ${JSON.stringify(transport)}`,
    )
  }
  const sdk = transport === 'sdk' || sdkClient !== undefined || clientConfig !== undefined
  if (sdk) {
    if (transport === 'sigv4') {
      throw new StreamerValidationError(
        "sdkClient and clientConfig configure the SDK transport, not transport: 'sigv4'",
      )
    }
    let config = clientConfig
    if (agent !== undefined) config = { requestHandler: { httpAgent: agent, httpsAgent: agent }, ...config }
    return createSdkTransport({ endpoint, region, clientConfig: config, credentials, sdkClient })
  }
  return createSigV4Transport({ endpoint, region, credentials, agent })
}

// A local gateway may run another copy of socketeer (dist vs src, ESM vs CJS): its
// typed errors are instances of that copy's classes. Rebuild them as this copy's, so
// `instanceof GoneError` (pruning, delete-is-done, retry decisions) still holds.
function ownError(error: unknown, connectionId: string): never {
  if (error instanceof StreamerError) throw error
  const e = error as { status?: unknown; code?: unknown; message?: unknown; retryAfterMs?: unknown }
  if (typeof e?.status === 'number' && typeof e.code === 'string') {
    const options: { connectionId: string; cause: unknown; retryAfterMs?: number } = {
      connectionId,
      cause: error,
    }
    if (typeof e.retryAfterMs === 'number') options.retryAfterMs = e.retryAfterMs
    throw streamerErrorFor(e.status, e.code, typeof e.message === 'string' ? e.message : undefined, options)
  }
  throw error
}

export function createStreamerClient(options: StreamerClientOptions = {}): StreamerClient {
  return new Client(options)
}
