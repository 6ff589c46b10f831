import { normaliseEndpoint, regionFromHost } from '../websocket/endpoint.js'
import { broadcastWith } from './broadcast.js'
import { GoneError, StreamerValidationError } from './errors.js'
import { type RetryOptions, withRetry } from './retry.js'
import { createSdkTransport, type Transport } from './transport.js'
import type { BroadcastOptions, CallOptions, ConnectionInfo, PostData, StreamerClient } from './types.js'
import { encodePostData, validateConnectionId } from './validate.js'

export interface StreamerClientOptions {
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`; default SOCKETEER_MANAGEMENT_ENDPOINT. */
  endpoint?: string
  /** Default: from the execute-api host, else AWS_REGION. */
  region?: string
  /** Retry policy for 429, 5xx and network errors; `false` for none. */
  retry?: RetryOptions | false
  /** Replace the wire (the SDK by default). */
  transport?: Transport
  /** Extra SDK client configuration (credentials, requestHandler, ...). */
  clientConfig?: Record<string, unknown>
}

function withDeadline(call: CallOptions | undefined): { signal?: AbortSignal; cleanup(): void } {
  if (call?.deadline === undefined) return { signal: call?.signal, cleanup() {} }
  const ms = Math.max(0, call.deadline - Date.now())
  const timeout = AbortSignal.timeout(ms)
  return { signal: call.signal ? AbortSignal.any([call.signal, timeout]) : timeout, cleanup() {} }
}

class Client implements StreamerClient {
  readonly endpoint: string
  readonly region: string
  readonly #transport: Transport
  readonly #retry: RetryOptions | false | undefined

  constructor(options: StreamerClientOptions) {
    const raw = options.endpoint ?? process.env.SOCKETEER_MANAGEMENT_ENDPOINT
    if (!raw) {
      throw new StreamerValidationError(
        'createStreamerClient needs an endpoint (or SOCKETEER_MANAGEMENT_ENDPOINT)',
      )
    }
    this.endpoint = normaliseEndpoint(raw)
    this.region = options.region ?? regionFromHost(this.endpoint) ?? process.env.AWS_REGION ?? 'us-east-1'
    this.#retry = options.retry
    this.#transport =
      options.transport ??
      createSdkTransport({ endpoint: this.endpoint, region: this.region, clientConfig: options.clientConfig })
  }

  async postToConnection(connectionId: string, data: PostData, options?: CallOptions): Promise<void> {
    validateConnectionId(connectionId)
    const bytes = encodePostData(data, connectionId)
    await this.#postBytes(connectionId, bytes, options)
  }

  #postBytes(connectionId: string, bytes: Uint8Array, options?: CallOptions): Promise<void> {
    const { signal } = withDeadline(options)
    return withRetry(() => this.#transport.post(connectionId, bytes, signal), this.#retry, options)
  }

  async getConnection(connectionId: string, options?: CallOptions): Promise<ConnectionInfo> {
    validateConnectionId(connectionId)
    const { signal } = withDeadline(options)
    return withRetry(() => this.#transport.get(connectionId, signal), this.#retry, options)
  }

  async deleteConnection(connectionId: string, options?: CallOptions): Promise<void> {
    validateConnectionId(connectionId)
    const { signal } = withDeadline(options)
    try {
      await withRetry(() => this.#transport.delete(connectionId, signal), this.#retry, options)
    } catch (error) {
      if (error instanceof GoneError) return
      throw error
    }
  }

  broadcast(
    connectionIds: Iterable<string> | AsyncIterable<string>,
    data: PostData,
    options?: BroadcastOptions,
  ): Promise<ReturnType<StreamerClient['broadcast']> extends Promise<infer R> ? R : never> {
    // Encode and size-check once, not per connection.
    const bytes = encodePostData(data)
    return broadcastWith(
      (id) => {
        validateConnectionId(id)
        return this.#postBytes(id, bytes, options)
      },
      connectionIds,
      bytes,
      options,
    )
  }
}

export function createStreamerClient(options: StreamerClientOptions = {}): StreamerClient {
  return new Client(options)
}
