import type { GetConnectionCommandOutput } from '@aws-sdk/client-apigatewaymanagementapi'
import { StreamerError } from '../errors.js'
import { Lru } from '../lru.js'
import type { ConnectionInfo } from '../types.js'
import { type Answer, errorForAnswer, errorForNoAnswer, isCutOffSuccess } from './classify.js'
import type { AwsCredentials, AwsCredentialsProvider, Transport } from './types.js'

// The AWS SDK v3 client behind the seam: `transport: 'sdk'`, a passed-in SDK client, or
// `clientConfig`. The SDK is imported on first use, so importing socketeer never loads it.

// What AWS SDK v3 (restJson1) throws, as observed against a loopback server:
// - with `x-amzn-ErrorType`: the modelled class (`GoneException`, ...), `$fault` set;
// - without it (serverless-offline's bare 410): name `Unknown`, message `UnknownError`;
// - an unparsable body (an HTML 502 from a proxy): a `SyntaxError` whose `$metadata`
//   still carries the status, no `$fault`;
// - no answer: a Node error (`ECONNREFUSED`, `ECONNRESET`, `AbortError`) with no status.
// Each is reduced to an answer or no answer and typed by ./classify.ts.

interface SdkErrorShape {
  name?: string
  message?: string
  code?: string
  $fault?: string
  $metadata?: { httpStatusCode?: number; requestId?: string }
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> }
}

const PLACEHOLDER_MESSAGES = new Set(['UnknownError', 'Unknown', ''])

function statusOf(e: SdkErrorShape): number | undefined {
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode
}

function cutOff(error: unknown): boolean {
  const e = (error ?? {}) as SdkErrorShape
  return isCutOffSuccess(statusOf(e), e.code)
}

/** Any failure of one SDK call → the typed error. `endpoint` feeds the 403 hint. */
export function fromSdkError(error: unknown, connectionId: string, endpoint?: string): StreamerError {
  if (error instanceof StreamerError) return error
  const e = (error ?? {}) as SdkErrorShape
  const status = statusOf(e)
  const requestId = e.$metadata?.requestId
  if (status === undefined || cutOff(error))
    return errorForNoAnswer(error, connectionId, { requestId, status })
  // Only a modelled service exception's name is an AWS error code; a SyntaxError from
  // an HTML body is not, and `Unknown` means the header was missing.
  const modelled = e.$fault !== undefined
  const answer: Answer = {
    status,
    name: modelled && e.name && e.name !== 'Unknown' ? e.name : undefined,
    message: modelled && !PLACEHOLDER_MESSAGES.has(e.message ?? '') ? e.message : undefined,
    requestId,
    retryAfter: e.$response?.headers?.['retry-after'],
  }
  return errorForAnswer(answer, connectionId, endpoint, error)
}

export interface SdkTransportOptions {
  endpoint: string
  region: string
  /**
   * Passed to the SDK client as is (credentials, requestHandler, ...). Given this, the
   * transport gets its own SDK client instead of the shared one for the endpoint.
   */
  clientConfig?: Record<string, unknown>
  /** Credentials for the SDK client (a shorthand for `clientConfig.credentials`). */
  credentials?: AwsCredentials | AwsCredentialsProvider
  /** An SDK client made by the caller: used as it is, with its own retries and middleware. */
  sdkClient?: SdkClientLike
}

/** The part of an `ApiGatewayManagementApiClient` the transport uses. */
export interface SdkClientLike {
  send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>
}

type Sdk = typeof import('@aws-sdk/client-apigatewaymanagementapi')
type SdkClient = InstanceType<Sdk['ApiGatewayManagementApiClient']>

let sdkPromise: Promise<Sdk> | undefined
const loadSdk = () => {
  sdkPromise ??= import('@aws-sdk/client-apigatewaymanagementapi').catch((cause: unknown) => {
    throw Object.assign(
      new Error(
        "transport 'sdk' needs @aws-sdk/client-apigatewaymanagementapi (an optional peer dependency; Lambda's Node.js runtime has it): install it, or use the default transport",
        { cause },
      ),
      { code: 'ERR_MODULE_NOT_FOUND' },
    )
  })
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
  const given = options.sdkClient
  if (given !== undefined) return () => loadSdk().then((sdk) => ({ sdk, client: given as SdkClient }))
  if (options.credentials !== undefined) {
    options = { ...options, clientConfig: { credentials: options.credentials, ...options.clientConfig } }
  }
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
        if (cutOff(error)) return
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
        if (cutOff(error)) return
        throw fromSdkError(error, connectionId, endpoint)
      }
    },
  }
}
