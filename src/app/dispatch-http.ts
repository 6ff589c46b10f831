import { AppError } from '../errors.js'
import type { TriggerKind } from '../events/detect.js'
import type { HttpRequest } from '../events/http.js'
import type { AlbEvent, AuthorizerRequestEvent, HttpResult, LambdaContext } from '../events/types.js'
import type { AppRoutes } from './app-routes.js'
import { type AuthorizerResult, runAuthorizer } from './authorizer.js'
import { compose, type Handler } from './compose.js'
import { Context } from './context.js'
import { type DispatchHost, idOf, logFailure } from './dispatch-common.js'
import { UnknownEventError } from './errors.js'
import { httpErrorResponse, httpResult, toHttpResponse } from './respond.js'

// An HTTP request (REST, HTTP API, Function URL or ALB, already parsed to one shape)
// through its route, and the `$connect` REQUEST authorizer event through app.authorizer().

export async function dispatchHttp(
  host: DispatchHost,
  routes: AppRoutes,
  kind: TriggerKind,
  request: HttpRequest,
  event: unknown,
  lambdaContext: LambdaContext | undefined,
): Promise<HttpResult> {
  const requestId =
    idOf((event as { requestContext?: { requestId?: unknown } }).requestContext?.requestId) ??
    idOf(lambdaContext?.awsRequestId) ??
    crypto.randomUUID()
  const ctx = new Context(host, kind, event, lambdaContext, requestId)
  const multiValue = kind === 'alb' && (event as AlbEvent).multiValueHeaders != null
  const match = routes.http.match(request.method, request.path)
  let run: Handler
  let routeKey: string
  // No route: app middleware still runs around the 404/405 (a CORS middleware must be
  // able to answer a preflight or add its headers), and only its own failures are logged.
  let unmatched: AppError | undefined
  if ('route' in match) {
    ctx.setHttp(request, match.params)
    run = routes.runner(match.route)
    routeKey = match.route.key
  } else {
    ctx.setHttp(request, {})
    const error =
      match.allowed.length > 0
        ? new AppError('method_not_allowed', `Method ${request.method} not allowed`, {
            headers: { allow: match.allowed.join(', ') },
          })
        : new AppError('route_not_found', `No route for ${request.method} ${request.path}`)
    unmatched = error
    run = compose(routes.middleware, () => {
      throw error
    })
    routeKey = `${request.method} ${request.path}`
  }
  try {
    const value = await run(ctx)
    return httpResult(kind, toHttpResponse(value), multiValue)
  } catch (error) {
    if (unmatched === undefined || error !== unmatched) logFailure(ctx, error, routeKey)
    return httpResult(kind, httpErrorResponse(error, requestId), multiValue)
  }
}

export async function dispatchAuthorizer(
  host: DispatchHost,
  routes: AppRoutes,
  event: AuthorizerRequestEvent,
  lambdaContext: LambdaContext | undefined,
): Promise<AuthorizerResult> {
  const requestId =
    idOf(event.requestContext?.requestId) ?? idOf(lambdaContext?.awsRequestId) ?? crypto.randomUUID()
  const ctx = new Context(host, 'authorizer', event, lambdaContext, requestId)
  if (!routes.authorizer) {
    const error = new UnknownEventError(
      'a $connect REQUEST authorizer event',
      'received a $connect authorizer event but no app.authorizer() is registered',
    )
    ctx.log.error(error.message, { code: error.code, requestId })
    throw error
  }
  return runAuthorizer(routes.authorizer, ctx, event)
}
