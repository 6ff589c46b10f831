import type {
  ALBEvent,
  ALBHandler,
  ALBResult,
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyHandler,
  APIGatewayProxyHandlerV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  APIGatewayProxyWebsocketEventV2,
  APIGatewayProxyWebsocketHandlerV2,
  APIGatewayRequestAuthorizerHandler,
  Context as AwsContext,
  Handler,
} from 'aws-lambda'
import { expectTypeOf } from 'vitest'
import type {
  AlbEvent,
  AuthorizerPolicyResult,
  HttpApiEvent,
  HttpResult,
  LambdaContext,
  RestApiEvent,
  WebSocketEvent,
  WebSocketRequestContext,
  WebSocketResult,
} from '../../src/index.js'
import { App } from '../../src/index.js'

// Type-level compatibility with @types/aws-lambda, checked by `npm run typecheck`
// (tsc over test/): a regression fails the build, and each `@ts-expect-error` line
// fails it too if our types ever become as loose as theirs. Nothing here runs; the
// runtime half is aws-lambda.test.ts.

const app = new App({ logLevel: 'silent' })

// app.handler is assignable to each handler type a user might declare it as.
export const asWebSocketHandler: APIGatewayProxyWebsocketHandlerV2 = app.handler
export const asRestHandler: APIGatewayProxyHandler = app.handler
export const asHttpApiHandler: APIGatewayProxyHandlerV2 = app.handler
export const asAlbHandler: ALBHandler = app.handler
export const asAuthorizerHandler: APIGatewayRequestAuthorizerHandler = app.handler
export const asPlainHandler: Handler = app.handler

// Our event types accept the @types/aws-lambda shapes...
expectTypeOf<APIGatewayProxyWebsocketEventV2>().toExtend<WebSocketEvent>()
expectTypeOf<APIGatewayProxyEvent>().toExtend<RestApiEvent>()
expectTypeOf<APIGatewayProxyEventV2>().toExtend<HttpApiEvent>()
expectTypeOf<ALBEvent>().toExtend<AlbEvent>()
expectTypeOf<AwsContext>().toExtend<LambdaContext>()
expectTypeOf<APIGatewayAuthorizerResult>().toExtend<AuthorizerPolicyResult>()

// ...and our results are what those handlers may return.
expectTypeOf<WebSocketResult>().toExtend<APIGatewayProxyStructuredResultV2>()
expectTypeOf<HttpResult>().toExtend<APIGatewayProxyResult>()
expectTypeOf<HttpResult>().toExtend<ALBResult>()

// ...while being right where @types/aws-lambda is wrong (semantics page, section 1).
const disconnect: WebSocketRequestContext = {
  routeKey: '$disconnect',
  eventType: 'DISCONNECT',
  connectionId: 'R1kmxc2VNjMCFIA=',
  requestId: 'R1koeHsUtjMFbRw=',
  requestTimeEpoch: 1705751708326,
  connectedAt: 1705751697419,
  messageDirection: 'IN',
  stage: 'prod',
  domainName: 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com',
  apiId: 'dl7ptocha9',
  // No messageId on DISCONNECT: fine for us...
  identity: { sourceIp: '49.105.91.154' },
  disconnectStatusCode: 1001,
  disconnectReason: '',
  authorizer: { principalId: 'user-42', tenant: 'acme' },
}
const connectEvent: WebSocketEvent = {
  requestContext: { ...disconnect, routeKey: '$connect', eventType: 'CONNECT' },
  headers: { Host: 'x', 'Sec-WebSocket-Protocol': 'chat.v1' },
  isBase64Encoded: false,
}
// ...but @types/aws-lambda requires a messageId and knows none of these fields.
// @ts-expect-error messageId is required by @types/aws-lambda even on DISCONNECT
export const theirs: APIGatewayProxyWebsocketEventV2['requestContext'] = {
  ...disconnect,
  extendedRequestId: 'x',
  requestTime: 'x',
  messageDirection: 'IN',
}
// @ts-expect-error @types/aws-lambda's WebSocket event has no headers, though CONNECT carries them
export const theirConnect: APIGatewayProxyWebsocketEventV2 = {
  ...connectEvent,
  requestContext: { ...theirs },
}
// @ts-expect-error eventType is one of the three, not any string
export const wrongEventType: WebSocketRequestContext = { ...disconnect, eventType: 'PING' }
