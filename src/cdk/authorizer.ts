import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { WebSocketApiConfigError } from './errors.js'
import type { PlannedRoute } from './plan.js'

// The $connect REQUEST authorizer. socketeer's App answers authorizer events itself
// (`app.authorizer(...)`), so by default the same function that serves the routes
// authorizes too: one deployment unit, one place for auth code.

export interface ConnectAuthorizerOptions {
  /** Default: the API's `handler`. */
  readonly handler?: lambda.IFunction
  /**
   * Where the credential is, e.g. `route.request.querystring.token` or
   * `route.request.header.Authorization`. Required on purpose: browsers cannot set
   * headers on a WebSocket, and a missing source is a 401 before the authorizer runs.
   */
  readonly identitySource: readonly string[]
  readonly name?: string
}

const IDENTITY_SOURCE =
  /^(route\.request\.(header|querystring)\.[^\s.][^\s]*|stageVariables\.\S+|context\.\S+)$/

export function connectAuthorizerFor(
  options: ConnectAuthorizerOptions,
  defaultHandler: lambda.IFunction | undefined,
  plan: readonly PlannedRoute[],
): WebSocketLambdaAuthorizer {
  const handler = options.handler ?? defaultHandler
  if (!handler) {
    throw new WebSocketApiConfigError('`authorizer` needs a `handler` (or the API-wide `handler`)')
  }
  if (!plan.some((r) => r.key === '$connect')) {
    throw new WebSocketApiConfigError('`authorizer` runs on $connect, but the API has no $connect route')
  }
  if (options.identitySource.length === 0) {
    throw new WebSocketApiConfigError('`authorizer.identitySource` must name at least one source')
  }
  for (const source of options.identitySource) {
    if (!IDENTITY_SOURCE.test(source)) {
      throw new WebSocketApiConfigError(
        `\`authorizer.identitySource\` ${JSON.stringify(source)}: expected route.request.header.X, route.request.querystring.X, stageVariables.X or context.X`,
      )
    }
  }
  return new WebSocketLambdaAuthorizer('ConnectAuthorizer', handler, {
    identitySource: [...options.identitySource],
    authorizerName: options.name,
  })
}
