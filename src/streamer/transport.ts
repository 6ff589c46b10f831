import { StreamerError, StreamerServiceError, streamerErrorFor } from './errors.js'
import type { ConnectionInfo } from './types.js'

// The seam between the streamer and the wire. The default transport is the AWS SDK
// client, imported on first use so that importing socketeer never loads the SDK.

export interface Transport {
  post(connectionId: string, data: Uint8Array, signal?: AbortSignal): Promise<void>
  get(connectionId: string, signal?: AbortSignal): Promise<ConnectionInfo>
  delete(connectionId: string, signal?: AbortSignal): Promise<void>
}

export interface SdkTransportOptions {
  endpoint: string
  region: string
  /** Passed to the SDK client as is (credentials, requestHandler, ...). */
  clientConfig?: Record<string, unknown>
}

type Sdk = typeof import('@aws-sdk/client-apigatewaymanagementapi')
let sdkPromise: Promise<Sdk> | undefined
const loadSdk = () => {
  sdkPromise ??= import('@aws-sdk/client-apigatewaymanagementapi')
  return sdkPromise
}

interface SdkErrorShape {
  name?: string
  message?: string
  code?: string
  $metadata?: { httpStatusCode?: number; requestId?: string }
  $response?: { statusCode?: number }
}

/** SDK exceptions (typed or `Unknown` from emulators without the error header) → typed errors. */
export function fromSdkError(error: unknown, connectionId: string): StreamerError {
  if (error instanceof StreamerError) return error
  const e = (error ?? {}) as SdkErrorShape
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode
  const requestId = e.$metadata?.requestId
  if (status === undefined) {
    // No HTTP response at all: a network failure, retryable.
    return new StreamerServiceError(
      `network error: ${e.message ?? String(error)}`,
      0,
      e.code ?? 'NetworkError',
      {
        connectionId,
        requestId,
        cause: error,
      },
    )
  }
  const name = e.name && e.name !== 'Unknown' && e.name !== 'Error' ? e.name : undefined
  return streamerErrorFor(status, name, e.message, { connectionId, requestId, cause: error })
}

export function createSdkTransport(options: SdkTransportOptions): Transport {
  let clientPromise:
    | Promise<{ sdk: Sdk; client: InstanceType<Sdk['ApiGatewayManagementApiClient']> }>
    | undefined
  const client = () => {
    clientPromise ??= loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.ApiGatewayManagementApiClient({
        endpoint: options.endpoint,
        region: options.region,
        // socketeer retries itself, with its own policy and the Lambda's deadline.
        maxAttempts: 1,
        ...options.clientConfig,
      }),
    }))
    return clientPromise
  }
  return {
    async post(connectionId, data, signal) {
      const { sdk, client: c } = await client()
      try {
        await c.send(new sdk.PostToConnectionCommand({ ConnectionId: connectionId, Data: data }), {
          abortSignal: signal,
        })
      } catch (error) {
        throw fromSdkError(error, connectionId)
      }
    },
    async get(connectionId, signal) {
      const { sdk, client: c } = await client()
      try {
        const out = await c.send(new sdk.GetConnectionCommand({ ConnectionId: connectionId }), {
          abortSignal: signal,
        })
        const info: ConnectionInfo = {
          connectionId,
          connectedAt: out.ConnectedAt ?? new Date(0),
          lastActiveAt: out.LastActiveAt ?? out.ConnectedAt ?? new Date(0),
          sourceIp: out.Identity?.SourceIp ?? '',
        }
        if (out.Identity?.UserAgent !== undefined) info.userAgent = out.Identity.UserAgent
        return info
      } catch (error) {
        throw fromSdkError(error, connectionId)
      }
    },
    async delete(connectionId, signal) {
      const { sdk, client: c } = await client()
      try {
        await c.send(new sdk.DeleteConnectionCommand({ ConnectionId: connectionId }), { abortSignal: signal })
      } catch (error) {
        throw fromSdkError(error, connectionId)
      }
    },
  }
}
