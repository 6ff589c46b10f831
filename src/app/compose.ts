import type { Context } from './context.js'

export type Handler = (ctx: Context) => unknown
export type Next = () => Promise<unknown>
/** Onion middleware: runs around `next()`, may replace its result or throw. */
export type Middleware = (ctx: Context, next: Next) => unknown

/**
 * Wraps a handler in middleware (first = outermost). With none, the handler is
 * returned as is, so a route without middleware pays nothing.
 */
export function compose(middleware: readonly Middleware[], handler: Handler): Handler {
  if (middleware.length === 0) return handler
  return (ctx) => {
    let index = -1
    const dispatch = async (i: number): Promise<unknown> => {
      if (i <= index) throw new Error('next() called more than once')
      index = i
      if (i === middleware.length) return handler(ctx)
      return middleware[i]!(ctx, () => dispatch(i + 1))
    }
    return dispatch(0)
  }
}
