// Event shapes as API Gateway, Lambda Function URLs and ALB actually send them.
// Where @types/aws-lambda is wrong for WebSocket events (no identity, authorizer,
// disconnect fields or headers; messageId required) these types follow the real
// service, and stay structurally compatible with the @types/aws-lambda shapes.

export type WebSocketEventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT'

export interface WebSocketIdentity {
  sourceIp: string
  userAgent?: string
}

export interface WebSocketAuthorizerContext {
  principalId?: string
  integrationLatency?: number
  [key: string]: unknown
}

export interface WebSocketRequestContext {
  routeKey: string
  eventType: WebSocketEventType
  connectionId: string
  requestId: string
  extendedRequestId?: string
  requestTime?: string
  requestTimeEpoch: number
  connectedAt: number
  messageDirection: 'IN' | string
  stage: string
  domainName: string
  apiId: string
  identity?: WebSocketIdentity
  messageId?: string
  disconnectStatusCode?: number
  disconnectReason?: string
  authorizer?: WebSocketAuthorizerContext
}

export interface WebSocketEvent {
  requestContext: WebSocketRequestContext
  headers?: Record<string, string | undefined>
  multiValueHeaders?: Record<string, string[] | undefined>
  queryStringParameters?: Record<string, string | undefined> | null
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null
  stageVariables?: Record<string, string | undefined> | null
  body?: string
  isBase64Encoded: boolean
}

export interface AuthorizerRequestEvent {
  type: 'REQUEST'
  methodArn: string
  headers?: Record<string, string | undefined>
  multiValueHeaders?: Record<string, string[] | undefined>
  queryStringParameters?: Record<string, string | undefined> | null
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null
  stageVariables?: Record<string, string | undefined> | null
  requestContext: WebSocketRequestContext
}

export interface AuthorizerPolicyResult {
  principalId: string
  policyDocument: {
    Version: string
    Statement: Array<{
      Action: string | string[]
      Effect: 'Allow' | 'Deny' | string
      Resource: string | string[]
    }>
  }
  context?: Record<string, string | number | boolean | null | undefined>
  usageIdentifierKey?: string
}

/** REST API (V1) proxy event. */
export interface RestApiEvent {
  resource: string
  path: string
  httpMethod: string
  headers: Record<string, string | undefined> | null
  multiValueHeaders?: Record<string, string[] | undefined> | null
  queryStringParameters: Record<string, string | undefined> | null
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null
  pathParameters?: Record<string, string | undefined> | null
  stageVariables?: Record<string, string | undefined> | null
  requestContext: {
    requestId: string
    stage?: string
    domainName?: string
    apiId?: string
    identity?: { sourceIp?: string; userAgent?: string | null }
    [key: string]: unknown
  }
  body: string | null
  isBase64Encoded: boolean
}

/** HTTP API (V2) and Lambda Function URL event. */
export interface HttpApiEvent {
  version: '2.0'
  routeKey: string
  rawPath: string
  rawQueryString: string
  cookies?: string[]
  headers: Record<string, string | undefined>
  queryStringParameters?: Record<string, string | undefined>
  pathParameters?: Record<string, string | undefined>
  stageVariables?: Record<string, string | undefined>
  requestContext: {
    requestId: string
    domainName: string
    apiId?: string
    stage?: string
    http: { method: string; path: string; protocol?: string; sourceIp: string; userAgent?: string }
    [key: string]: unknown
  }
  body?: string
  isBase64Encoded: boolean
}

export interface AlbEvent {
  requestContext: { elb: { targetGroupArn: string } }
  httpMethod: string
  path: string
  queryStringParameters?: Record<string, string | undefined>
  multiValueQueryStringParameters?: Record<string, string[] | undefined>
  headers?: Record<string, string | undefined>
  multiValueHeaders?: Record<string, string[] | undefined>
  body: string | null
  isBase64Encoded: boolean
}

/** The Lambda context object, as far as socketeer reads it. */
export interface LambdaContext {
  awsRequestId: string
  functionName?: string
  invokedFunctionArn?: string
  getRemainingTimeInMillis?: () => number
  [key: string]: unknown
}

export interface WebSocketResult {
  statusCode: number
  headers?: Record<string, string>
  body?: string
  isBase64Encoded?: boolean
}

export interface HttpResult {
  statusCode: number
  statusDescription?: string
  headers?: Record<string, string>
  multiValueHeaders?: Record<string, string[]>
  cookies?: string[]
  body: string
  isBase64Encoded: boolean
}
