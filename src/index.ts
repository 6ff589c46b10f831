// socketeer: the runtime face. Nothing here loads the AWS SDK until the first send.

export type { AppOptions, AuthorizerResult, LambdaResult } from './app/app.js'
export { App, UnknownEventError } from './app/app.js'
export type { AuthorizerDecision, AuthorizerHandler } from './app/authorizer.js'
export type { Handler, Middleware, Next } from './app/compose.js'
export type { HttpRequestView } from './app/context.js'
export { Context, HttpResponse } from './app/context.js'
export { RouteRegistrationError } from './app/routes.js'
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
export {
  ForbiddenError,
  GoneError,
  PayloadTooLargeError,
  StreamerError,
  StreamerServiceError,
  StreamerValidationError,
  ThrottledError,
} from './streamer/errors.js'
export type { RetryOptions } from './streamer/retry.js'
export type { Transport } from './streamer/transport.js'
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
export { MAX_MESSAGE_BYTES } from './streamer/validate.js'
export { WebSocketContext } from './websocket/context.js'
export type { EndpointOptions } from './websocket/endpoint.js'
export { deriveManagementEndpoint, normaliseEndpoint } from './websocket/endpoint.js'
