import { afterHandlers, beforeHandlers } from '../connections/lifecycle.js'
import { AppError, errorEnvelope } from '../errors.js'
import type { LambdaContext, WebSocketEvent, WebSocketResult } from '../events/types.js'
import { RESUME_ACTION } from '../protocol/frames.js'
import type { AppRoutes } from './app-routes.js'
import { Context } from './context.js'
import { type DispatchHost, idOf, logFailure } from './dispatch-common.js'
import { webSocketErrorResult, webSocketResult } from './respond.js'
import { answerResume, isResume } from './resume.js'
import type { Route } from './routes.js'

// A WebSocket event through its route: `$connect`/`$disconnect` around the connection
// store, socketeer/client's resume request, and each failure reported the way API
// Gateway reports it for that kind of event.

// Not `async`: a route that answers synchronously (a typical `$connect`) resolves
// without an extra async frame and await; a promise is chained once.
export function dispatchWebSocket(
  host: DispatchHost,
  routes: AppRoutes,
  event: WebSocketEvent,
  lambdaContext: LambdaContext | undefined,
): Promise<WebSocketResult> {
  const rc = event.requestContext
  const requestId = idOf(rc.requestId) ?? idOf(lambdaContext?.awsRequestId) ?? crypto.randomUUID()
  let route = routes.webSocket.get(rc.routeKey)
  if (route === undefined && rc.eventType === 'MESSAGE') route = routes.webSocket.get('$default')
  const ctx = new Context(host, 'websocket', event, lambdaContext, requestId)
  if (
    (route === undefined || route.key === '$default') &&
    rc.eventType === 'MESSAGE' &&
    isResume(rc.routeKey, event.body)
  )
    return answerResume(ctx, host.connections).catch((error: unknown) =>
      webSocketFailure(ctx, error, RESUME_ACTION),
    )
  if (route === undefined) return noWebSocketRoute(host, ctx, rc.routeKey, rc.eventType)
  if (host.connections !== undefined && rc.eventType !== 'MESSAGE')
    return trackedWebSocket(host, routes, route, ctx)
  let value: unknown
  try {
    value = routes.runner(route)(ctx)
  } catch (error) {
    return Promise.resolve(webSocketFailure(ctx, error, route.key))
  }
  if (isThenable(value)) {
    const key = route.key
    return Promise.resolve(value).then(
      (v) => webSocketSuccess(ctx, v, key),
      (error: unknown) => webSocketFailure(ctx, error, key),
    )
  }
  return Promise.resolve(webSocketSuccess(ctx, value, route.key))
}

function webSocketSuccess(
  ctx: Context,
  value: unknown,
  route: string,
): WebSocketResult | Promise<WebSocketResult> {
  try {
    return webSocketResult(value, ctx.acceptedProtocol)
  } catch (error) {
    // e.g. a returned value JSON.stringify refuses (BigInt, a cycle).
    return webSocketFailure(ctx, error, route)
  }
}

function webSocketFailure(
  ctx: Context,
  error: unknown,
  route: string,
): WebSocketResult | Promise<WebSocketResult> {
  logFailure(ctx, error, route)
  if (ctx.asWebSocket().eventType === 'MESSAGE') return messageFailure(ctx, error)
  return webSocketErrorResult(error, ctx.requestId)
}

/**
 * A MESSAGE route failed. Most routes are one-way: API Gateway drops their result, so an
 * error result would never reach the client. A client error (an AppError below 500)
 * goes to the sender as the error envelope through @connections, and the result carries
 * no body (a route with a route response would otherwise send it twice). Anything else
 * fails the invocation, as a plain Lambda's throw does: API Gateway sends the sender
 * `{"message": "Internal server error", ...}` and Lambda counts an error. Locally the
 * gateway does the same with the rejection.
 */
async function messageFailure(ctx: Context, error: unknown): Promise<WebSocketResult> {
  if (!(error instanceof AppError && error.status < 500)) throw error
  const { status, body } = errorEnvelope(error, ctx.requestId)
  try {
    await ctx.asWebSocket().send(JSON.stringify(body))
  } catch (sendError) {
    // Gone (the client left), or no permission to post: the failure is logged already.
    ctx.log.warn('could not send the error envelope to the sender', {
      requestId: ctx.requestId,
      connectionId: ctx.asWebSocket().connectionId,
      error: sendError,
    })
  }
  return { statusCode: status }
}

async function noWebSocketRoute(
  host: DispatchHost,
  ctx: Context,
  routeKey: string,
  eventType: string,
): Promise<WebSocketResult> {
  // With no $connect/$disconnect route the gateway accepts and moves on.
  if (eventType !== 'MESSAGE') {
    if (!host.connections) return { statusCode: 200 }
    try {
      await beforeHandlers(host.connections, ctx.asWebSocket(), ctx.log)
      await afterHandlers(host.connections, ctx.asWebSocket(), { statusCode: 200 })
      return { statusCode: 200 }
    } catch (error) {
      return webSocketFailure(ctx, error, routeKey)
    }
  }
  ctx.log.warn('no WebSocket route for this route key and no $default', {
    requestId: ctx.requestId,
    routeKey,
    registered: host.webSocketRoutes,
  })
  return messageFailure(ctx, new AppError('route_not_found', `No route for ${JSON.stringify(routeKey)}`))
}

/** `$connect`/`$disconnect` with a connection store: the store is updated around the handlers. */
async function trackedWebSocket(
  host: DispatchHost,
  routes: AppRoutes,
  route: Route,
  ctx: Context,
): Promise<WebSocketResult> {
  try {
    await beforeHandlers(host.connections, ctx.asWebSocket(), ctx.log)
    const value = await routes.runner(route)(ctx)
    const result = webSocketResult(value, ctx.acceptedProtocol)
    await afterHandlers(host.connections, ctx.asWebSocket(), result)
    return result
  } catch (error) {
    return webSocketFailure(ctx, error, route.key)
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
