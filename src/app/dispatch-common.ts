import { AppError } from '../errors.js'
import type { Context, ContextHost } from './context.js'

// What the WebSocket and HTTP dispatch share: the App as they see it, request ids, and
// the one log line a failed request gets.

/** The App, as the dispatch needs it (an interface, so dispatch does not import app.ts). */
export interface DispatchHost extends ContextHost {
  /** The registered WebSocket route keys, for the log line of an unrouted message. */
  readonly webSocketRoutes: string[]
}

/** A request id from the event or context: a non-empty string of sane length, else none. */
export function idOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined
}

export function logFailure(ctx: Context, error: unknown, route: string): void {
  if (error instanceof AppError && error.status < 500) {
    ctx.log.info('request rejected', {
      // Bound already by the default logger; a logger instance of the user's is not.
      requestId: ctx.requestId,
      route,
      code: error.code,
      status: error.status,
      reason: error.message,
    })
    return
  }
  ctx.log.error('handler failed', { requestId: ctx.requestId, route, error })
}
