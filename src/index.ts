// socketeer: the runtime face. Nothing here loads the AWS SDK until the first send.

export type { AppOptions, AuthorizerResult, LambdaResult } from './app/app.js'
export { App } from './app/app.js'
export type { AuthorizerDecision, AuthorizerHandler } from './app/authorizer.js'
export type { Handler, Middleware, Next } from './app/compose.js'
export type { ResponseHeaders } from './app/context.js'
export { Context, HttpRequestView, HttpResponse } from './app/context.js'
export type { CorsOptions } from './app/cors.js'
export { cors } from './app/cors.js'
export { AuthorizerFailedError, RouteRegistrationError, UnknownEventError } from './app/errors.js'
// Connection registry (issue 5): stores, groups, broadcast that prunes gone connections.
export type {
  BroadcastDeps,
  BroadcastTarget,
  ConnectionsBroadcastOptions,
  ConnectionsBroadcastResult,
} from './connections/broadcast.js'
export { broadcast } from './connections/broadcast.js'
export {
  ConnectionGoneError,
  ConnectionStoreError,
  ConnectionStoreMissingError,
  ConnectionStoreTimeoutError,
  ConnectionStoreValidationError,
} from './connections/errors.js'
export type { HeldMessage, HeldMessagesOptions, HeldPage } from './connections/held.js'
export { DEFAULT_HELD_LIMIT, DEFAULT_HELD_MAX_AGE_SECONDS } from './connections/held-defaults.js'
export type { MemoryConnectionStoreOptions } from './connections/memory.js'
export { MemoryConnectionStore } from './connections/memory.js'
export type { PushOptions, SessionPushResult } from './connections/sessions.js'
export type { ConnectionsCreateTableInput, ConnectionsTableDefinition } from './connections/table.js'
export {
  CONNECTIONS_TABLE_ENV,
  connectionsCreateTableInput,
  connectionsTable,
  connectionsTimeToLiveInput,
} from './connections/table.js'
export { DEFAULT_TTL_SECONDS, EXPIRY_MARGIN_SECONDS, GATEWAY_LIFETIME_SECONDS } from './connections/ttl.js'
export type {
  ConnectionRecord,
  ConnectionRecordInput,
  ConnectionStore,
  DeletedConnection,
  DeleteOptions,
  MembersOptions,
} from './connections/types.js'
export { MANAGEMENT_ENDPOINT_ENV } from './env.js'
export type { AppErrorOptions, ErrorCode, ErrorEnvelope } from './errors.js'
export { AppError, ERROR_STATUS, errorEnvelope, isAppError } from './errors.js'
export type { TriggerEvents, TriggerKind } from './events/detect.js'
export { detectTrigger } from './events/detect.js'
export type * from './events/types.js'
export type { InferOutput, StandardSchemaV1 } from './json.js'
export type { JsonLoggerOptions, Logger, LoggerFactory, LogLevel } from './log.js'
export { createJsonLogger } from './log.js'
export type { StreamerClientOptions } from './streamer/client.js'
export { createStreamerClient } from './streamer/client.js'
export type { EndpointOptions } from './streamer/endpoint.js'
export { deriveManagementEndpoint, normaliseEndpoint } from './streamer/endpoint.js'
export {
  ForbiddenError,
  GoneError,
  PayloadTooLargeError,
  StreamerError,
  StreamerNetworkError,
  StreamerServiceError,
  StreamerTimeoutError,
  StreamerValidationError,
  ThrottledError,
} from './streamer/errors.js'
export { MAX_MESSAGE_BYTES } from './streamer/limits.js'
export type { RetryOptions } from './streamer/retry.js'
export type { SdkClientLike } from './streamer/transport/sdk.js'
export type { AwsCredentials, AwsCredentialsProvider, Transport } from './streamer/transport/types.js'
export type {
  BroadcastFailure,
  BroadcastOptions,
  BroadcastResult,
  CallOptions,
  ConnectionInfo,
  PostData,
  StreamerClient,
  StreamerFactory,
} from './streamer/types.js'
export { WebSocketContext } from './websocket/context.js'
