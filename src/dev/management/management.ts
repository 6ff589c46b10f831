import type { IncomingMessage, ServerResponse } from 'node:http'
import { errorResponse, type ManagementOp, okResponse, type WireResponse } from '../../management/wire.js'
import { PayloadTooLargeError, StreamerError, StreamerServiceError } from '../../streamer/errors.js'
import { MAX_MESSAGE_BYTES } from '../../streamer/limits.js'
import type { ConnectionInfo } from '../../streamer/types.js'
import { BodyTooLargeError } from '../gateway/errors.js'
import { readBody } from '../gateway/request.js'
import type { GatewayState } from '../gateway/state.js'

// `POST|GET|DELETE /{stage}/@connections/{id}`: the @connections model behind HTTP, in
// the restJson1 wire format, so the AWS SDKs raise their typed exceptions unchanged.
// Signatures are not checked: any credentials do.

// Past this the body is not even buffered; the model answers 413 from 128 KB anyway.
const READ_LIMIT = 8 * MAX_MESSAGE_BYTES

function write(res: ServerResponse, wire: WireResponse): void {
  res.writeHead(wire.status, wire.headers)
  res.end(wire.body)
}

export async function handleManagement(
  state: GatewayState,
  req: IncomingMessage,
  res: ServerResponse,
  target: { op: ManagementOp; connectionId: string },
): Promise<void> {
  const started = performance.now()
  const { op, connectionId } = target
  let wire: WireResponse
  let data: Buffer | undefined
  try {
    if (op === 'post') {
      data = await readBody(req, READ_LIMIT)
      state.model.post(connectionId, data)
      wire = okResponse('post')
    } else if (op === 'get') {
      const info: ConnectionInfo = state.model.get(connectionId)
      wire = okResponse('get', info)
    } else {
      state.model.delete(connectionId)
      wire = okResponse('delete')
    }
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      wire = errorResponse(
        new PayloadTooLargeError(`Message is over ${MAX_MESSAGE_BYTES} bytes`, { connectionId }),
      )
    } else if (error instanceof StreamerError) wire = errorResponse(error)
    else {
      state.log({ kind: 'MANAGE', route: op.toUpperCase(), connectionId, status: 500, error })
      wire = errorResponse(
        new StreamerServiceError('Internal server error', 500, 'InternalServerErrorException'),
      )
    }
  }
  write(res, wire)
  state.log({
    kind: 'MANAGE',
    route: `${req.method} @connections`,
    connectionId,
    status: wire.status,
    ms: Math.round((performance.now() - started) * 10) / 10,
    detail: wire.headers['x-amzn-ErrorType'],
    caller: req.headers['user-agent'] ?? 'an HTTP client with no User-Agent',
    data,
    bytes: data?.length,
  })
}

/** A path under @connections that is not a valid call (wrong stage, no id, other method): 403. */
export function forbidManagement(state: GatewayState, req: IncomingMessage, res: ServerResponse): void {
  req.resume()
  write(res, errorResponse('forbidden'))
  // The path only: a query string may carry tokens, and logs are shared.
  const path = (req.url ?? '/').split('?')[0]!.slice(0, 200)
  state.log({
    kind: 'MANAGE',
    route: `${req.method} ${path}`,
    status: 403,
    detail: 'ForbiddenException (expected /{stage}/@connections/{id})',
  })
}
