import { AppError, errorEnvelope } from '../errors.js'
import type { InferOutput, StandardSchemaV1 } from '../json.js'
import { parseJsonBody, validateAsync } from '../json.js'
import { type ClientFrame, errorFrame, readClientFrame, replyFrame } from '../protocol/frames.js'
import type { Handler, Middleware } from './compose.js'
import type { Context } from './context.js'
import { RouteRegistrationError } from './errors.js'

// The App's side of the client wire format (src/protocol/frames.ts) for MESSAGE routes:
// a frame with an `id` is a request, and whatever the route returns (or throws) answers
// it, through @connections on a one-way route, as the route response on a two-way one.
// A frame without an id runs the route as before.

/** Options of a WebSocket route, given before its handlers. */
export interface WebSocketRouteOptions<S extends StandardSchemaV1 = StandardSchemaV1> {
  /** Validates the frame's `data` (Standard Schema: zod, valibot...); a failure answers `bad_request`. */
  data?: S
  /**
   * The route has a route response (`routeResponses` on the gateway, `returnResponse` in
   * CDK): replies go back as the Lambda result instead of through @connections.
   */
  routeResponse?: boolean
}

export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input']

/** The context of a route declared with a `data` schema: `ctx.data` is the validated value. */
export type MessageContext<D> = Context & { readonly data: D }

/** What a handler's return value becomes on the client: `void` replies carry no data. */
export type ReplyValue<R> = Awaited<R> extends void ? undefined : Awaited<R>

/** A route's entry in the App's type, read by socketeer/client. */
export interface RouteEntry<D, R> {
  data: D
  reply: ReplyValue<R>
}

export type TypedRouteArgs<S extends StandardSchemaV1, R> = [
  ...Middleware[],
  (ctx: MessageContext<InferOutput<S>>) => R,
]

export function isRouteOptions(value: unknown): value is WebSocketRouteOptions {
  return typeof value === 'object' && value !== null
}

export function checkRouteOptions(options: WebSocketRouteOptions, routeKey: string): void {
  const schema = options.data as { '~standard'?: { validate?: unknown } } | undefined
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function')
    throw new RouteRegistrationError(
      `route ${routeKey}: options.data must be a Standard Schema (zod, valibot...)`,
    )
}

/** Frames worth parsing here: a schema needs the data; otherwise only a request (an "id") or "data" matter. */
function mayCarryProtocol(text: string): boolean {
  return text.includes('"id"') || text.includes('"data"')
}

function readFrame(text: string): ClientFrame | undefined {
  try {
    return readClientFrame(parseJsonBody(text))
  } catch {
    return undefined // not JSON: the route decides what to do with it
  }
}

/** Wraps a MESSAGE route's chain (middleware included) so requests get their answer. */
export function messageRunner(run: Handler, options: WebSocketRouteOptions | undefined): Handler {
  const schema = options?.data
  const twoWay = options?.routeResponse === true
  return (ctx) => {
    const ws = ctx.asWebSocket()
    if (ws.eventType !== 'MESSAGE') return run(ctx)
    const text = ws.text()
    const frame = schema || mayCarryProtocol(text) ? readFrame(text) : undefined
    if (frame === undefined) {
      if (schema) throw new AppError('bad_request', 'expected a frame {"action": ..., "data": ...}')
      return run(ctx)
    }
    ctx.message = frame
    ctx.data = frame.data
    if (frame.id !== undefined) return answer(ctx, frame.id, schema, run, twoWay)
    if (!schema) return run(ctx)
    return validateAsync(schema, frame.data).then((data) => {
      ctx.data = data
      return run(ctx)
    })
  }
}

async function answer(
  ctx: Context,
  id: string,
  schema: StandardSchemaV1 | undefined,
  run: Handler,
  twoWay: boolean,
): Promise<{ statusCode: number; body: string }> {
  let text: string
  try {
    if (schema) ctx.data = await validateAsync(schema, ctx.data)
    text = JSON.stringify(replyFrame(id, await run(ctx)))
  } catch (error) {
    return answerFailure(ctx, id, error, twoWay)
  }
  // The body is returned either way: on a two-way route the gateway sends it; on a
  // one-way route it is dropped, and the post is the answer.
  if (!twoWay) await ctx.asWebSocket().send(text)
  return { statusCode: 200, body: text }
}

/**
 * A request failed (docs/client.md, "When a request fails"). The requester always gets
 * an error frame carrying the request's id, so that request (and no other) is rejected
 * at once. A client error (an AppError below 500) is an answer like any other. Anything
 * else follows the rule for every MESSAGE route: after the frame is posted (even on a
 * two-way route, whose failed result API Gateway never sends) the error is thrown, so
 * the App logs it as an error and the invocation fails. API Gateway then also sends its
 * `Internal server error` frame, with the same requestId as the error frame: the client
 * drops it.
 */
export async function answerFailure(
  ctx: Context,
  id: string,
  error: unknown,
  twoWay: boolean,
): Promise<{ statusCode: number; body: string }> {
  const text = JSON.stringify(errorFrame(errorEnvelope(error, ctx.requestId).body.error, id))
  const ws = ctx.asWebSocket()
  if (error instanceof AppError && error.status < 500) {
    ctx.log.info('request rejected', {
      requestId: ctx.requestId,
      route: ws.routeKey,
      code: error.code,
      status: error.status,
      reason: error.message,
    })
    if (!twoWay) await ws.send(text)
    return { statusCode: 200, body: text }
  }
  try {
    await ws.send(text)
  } catch (sendError) {
    ctx.log.warn('could not send the error frame to the requester', {
      requestId: ctx.requestId,
      connectionId: ws.connectionId,
      error: sendError,
    })
  }
  throw error
}
