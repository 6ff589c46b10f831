import type { GetConnectionCommandOutput } from '@aws-sdk/client-apigatewaymanagementapi'
import { StreamerError } from './errors.js'
import { Lru } from './lru.js'
import { fromSdkError, isCutOffSuccess } from './sdk-error.js'
import type { ConnectionInfo } from './types.js'

// The seam between the streamer and the wire. Everything above it (validation, retry,
// deadlines, broadcast) is transport-neutral; a faster wire-identical path can replace
// the SDK here alone. The default transport is the AWS SDK client, imported on first
// use so that importing socketeer never loads the SDK.

export interface Transport {
  /** Must reject with a StreamerError (typed by fromSdkError or equivalent). */
  post(connectionId: string, data: Uint8Array, signal?: AbortSignal): Promise<void>
  get(connectionId: string, signal?: AbortSignal): Promise<ConnectionInfo>
  delete(connectionId: string, signal?: AbortSignal): Promise<void>
}

export interface SdkTransportOptions {
  endpoint: string
  region: string
  /**
   * Passed to the SDK client as is (credentials, requestHandler, ...). Given this, the
   * transport gets its own SDK client instead of the shared one for the endpoint.
   */
  clientConfig?: Record<string, unknown>
}

type Sdk = typeof import('@aws-sdk/client-apigatewaymanagementapi')
type SdkClient = InstanceType<Sdk['ApiGatewayManagementApiClient']>

let sdkPromise: Promise<Sdk> | undefined
const loadSdk = () => {
  sdkPromise ??= import('@aws-sdk/client-apigatewaymanagementapi')
  return sdkPromise
}

// Above the default broadcast concurrency (64), so a broadcast never queues inside the
// agent; the SDK's own default is 50. keepAlive is the SDK default too, but it is the
// point of caching the client, so it is stated rather than inherited.
const AGENT = { keepAlive: true, maxSockets: 128 }

// One SDK client per (endpoint, region) for the life of the module: warm Lambda
// invocations reuse it and its keep-alive sockets, even when user code calls
// createStreamerClient inside the handler.
// Bounded (least recently used first out); an evicted client is not destroyed, since a
// call may still be using it: it is collected once its keep-alive sockets close.
const shared = new Lru<string, Promise<{ sdk: Sdk; client: SdkClient }>>()

/** @internal How many SDK clients the module keeps (tests). */
export function sharedClientCount(): number {
  return shared.size
}

function makeClient(options: SdkTransportOptions): Promise<{ sdk: Sdk; client: SdkClient }> {
  const made = loadSdk().then((sdk) => ({
    sdk,
    client: new sdk.ApiGatewayManagementApiClient({
      endpoint: options.endpoint,
      region: options.region,
      // socketeer retries itself, with its own policy and the Lambda's deadline.
      maxAttempts: 1,
      requestHandler: { httpAgent: AGENT, httpsAgent: AGENT },
      ...options.clientConfig,
    }),
  }))
  // A failed import must not poison the cache for the next invocation.
  made.catch(() => {
    sdkPromise = undefined
    shared.deleteIf(`${options.endpoint}|${options.region}`, made)
  })
  return made
}

function clientFor(options: SdkTransportOptions): () => Promise<{ sdk: Sdk; client: SdkClient }> {
  if (options.clientConfig !== undefined) {
    let own: Promise<{ sdk: Sdk; client: SdkClient }> | undefined
    return () => {
      own ??= makeClient(options)
      return own
    }
  }
  const key = `${options.endpoint}|${options.region}`
  return () => {
    let c = shared.get(key)
    if (!c) {
      c = makeClient(options)
      shared.set(key, c)
    }
    return c
  }
}

export function createSdkTransport(options: SdkTransportOptions): Transport {
  const client = clientFor(options)
  const endpoint = options.endpoint
  return {
    async post(connectionId, data, signal) {
      try {
        const { sdk, client: c } = await client()
        await c.send(new sdk.PostToConnectionCommand({ ConnectionId: connectionId, Data: data }), {
          abortSignal: signal,
        })
      } catch (error) {
        // Delivered: retrying or failing it would send it twice or report it lost.
        if (isCutOffSuccess(error)) return
        throw fromSdkError(error, connectionId, endpoint)
      }
    },
    async get(connectionId, signal) {
      let out: GetConnectionCommandOutput
      try {
        const { sdk, client: c } = await client()
        out = await c.send(new sdk.GetConnectionCommand({ ConnectionId: connectionId }), {
          abortSignal: signal,
        })
      } catch (error) {
        throw fromSdkError(error, connectionId, endpoint)
      }
      // A 200 whose body the SDK parsed to nothing (ministack's PascalCase body) is an
      // emulator bug; a made-up epoch-0 date would hide it.
      if (!(out.ConnectedAt instanceof Date) || Number.isNaN(out.ConnectedAt.getTime())) {
        throw new StreamerError(
          'GetConnection answered 200 without a valid connectedAt; expected {"connectedAt":"<RFC3339>","identity":{...},"lastActiveAt":"<RFC3339>"}',
          200,
          'MalformedResponse',
          false,
          { connectionId, requestId: out.$metadata?.requestId },
        )
      }
      const info: ConnectionInfo = {
        connectionId,
        connectedAt: out.ConnectedAt,
        lastActiveAt: out.LastActiveAt ?? out.ConnectedAt,
        sourceIp: out.Identity?.SourceIp ?? '',
      }
      if (out.Identity?.UserAgent !== undefined) info.userAgent = out.Identity.UserAgent
      return info
    },
    async delete(connectionId, signal) {
      try {
        const { sdk, client: c } = await client()
        await c.send(new sdk.DeleteConnectionCommand({ ConnectionId: connectionId }), { abortSignal: signal })
      } catch (error) {
        if (isCutOffSuccess(error)) return
        throw fromSdkError(error, connectionId, endpoint)
      }
    },
  }
}
