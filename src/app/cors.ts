import { AppError } from '../errors.js'
import type { Middleware } from './compose.js'
import { HttpResponse } from './context.js'
import {
  type CorsOptions,
  corsHeaders,
  isPreflight,
  mergeCorsHeaders,
  preflightHeaders,
} from './cors-rules.js'
import { toHttpResponse } from './respond.js'

// `app.use(cors())`: answers CORS preflights and adds CORS headers to HTTP responses,
// for an App behind an API whose own CORS configuration is off (a REST API, a Function
// URL, an ALB). WebSocket routes pass through untouched. The local gateway's `cors`
// option applies the same rules in front of the handler.

export type { CorsOptions }

export function cors(options: CorsOptions = {}): Middleware {
  return async (ctx, next) => {
    if (ctx.isWebSocket || ctx.trigger === 'authorizer') return next()
    const headers = ctx.req.headers
    if (isPreflight(ctx.req.method, headers)) {
      // Answered here, whether or not an OPTIONS route exists: the browser asked the API, not a route.
      return new HttpResponse(204, undefined, preflightHeaders(options, headers))
    }
    const extra = corsHeaders(options, headers)
    let value: unknown
    try {
      value = await next()
    } catch (error) {
      // A browser reads an error response (a 404, a validation 400) only with CORS headers on it.
      if (error instanceof AppError && Object.keys(extra).length > 0)
        (error as { headers?: Record<string, string> }).headers = mergeCorsHeaders(error.headers, extra)
      throw error
    }
    if (Object.keys(extra).length === 0) return value
    const response = toHttpResponse(value)
    if (response instanceof HttpResponse)
      return new HttpResponse(response.status, response.body, mergeCorsHeaders(response.headers, extra))
    const result = response as { statusCode: number; headers?: Record<string, string> }
    return { ...result, headers: mergeCorsHeaders(result.headers, extra) }
  }
}
