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

/** One IAM policy statement, as wide as IAM allows so @types/aws-lambda policies fit. */
export interface AuthorizerPolicyStatement {
  Effect: 'Allow' | 'Deny' | string
  Action?: string | string[]
  NotAction?: string | string[]
  Resource?: string | string[]
  NotResource?: string | string[]
  Sid?: string
  Principal?: unknown
  Condition?: unknown
}

export interface AuthorizerPolicyResult {
  principalId: string
  policyDocument: {
    Version: string
    Statement: AuthorizerPolicyStatement[]
  }
  context?: Record<string, string | number | boolean | null | undefined> | null
  usageIdentifierKey?: string | null
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
  // Fields named rather than an index signature: @types/aws-lambda's context is an
  // interface, and interfaces are not assignable to index signatures.
  requestContext: {
    requestId: string
    stage?: string
    domainName?: string
    domainPrefix?: string
    apiId?: string
    accountId?: string
    resourceId?: string
    resourcePath?: string
    httpMethod?: string
    path?: string
    protocol?: string
    extendedRequestId?: string
    requestTime?: string
    requestTimeEpoch?: number
    identity?: { sourceIp?: string; userAgent?: string | null }
    authorizer?: unknown
  }
  body: string | null
  isBase64Encoded: boolean
}

/** HTTP API (V2) and Lambda Function URL event. */
export interface HttpApiEvent {
  /** Always "2.0"; typed as string so @types/aws-lambda's events fit. */
  version: string
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
    domainPrefix?: string
    apiId?: string
    accountId?: string
    stage?: string
    routeKey?: string
    time?: string
    timeEpoch?: number
    http: { method: string; path: string; protocol?: string; sourceIp: string; userAgent?: string }
    authorizer?: unknown
    authentication?: unknown
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

/**
 * The Lambda context object, as far as socketeer reads it. No index signature, so the
 * `Context` of @types/aws-lambda (an interface) stays assignable to it.
 */
export interface LambdaContext {
  awsRequestId: string
  functionName?: string
  functionVersion?: string
  invokedFunctionArn?: string
  memoryLimitInMB?: string
  logGroupName?: string
  logStreamName?: string
  callbackWaitsForEmptyEventLoop?: boolean
  identity?: unknown
  clientContext?: unknown
  getRemainingTimeInMillis?: () => number
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
