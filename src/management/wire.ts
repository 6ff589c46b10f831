import { randomUUID } from 'node:crypto'
import type { StreamerError } from '../streamer/errors.js'
import type { ConnectionInfo } from '../streamer/types.js'

// The restJson1 wire format of @connections (semantics page, section 4), so the
// real SDKs (JS v3, boto3, the AWS CLI) raise their typed exceptions unchanged.

export interface WireResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export type ManagementOp = 'post' | 'get' | 'delete'

// A path that names @connections in any spelling: `@` as is or percent-encoded, after
// any run of slashes. Only the exact `/{stage}/@connections/{id}` is a call; the rest is
// answered 403 as AWS does, and never reaches the HTTP routes.
const MENTIONS_CONNECTIONS = /(^|\/)(@|%40)connections(\/|$)/i

/** `/{stage}/@connections/{id}` → the op and the URL-decoded id; undefined when the path is not one. */
export function parseManagementPath(
  method: string,
  pathname: string,
  stage: string,
): { op: ManagementOp; connectionId: string } | { error: 'forbidden' } | undefined {
  const prefix = `/${stage}/@connections/`
  if (!pathname.startsWith(prefix))
    return MENTIONS_CONNECTIONS.test(pathname) ? { error: 'forbidden' } : undefined
  const raw = pathname.slice(prefix.length)
  if (raw.length === 0 || raw.includes('/')) return { error: 'forbidden' }
  let connectionId: string
  try {
    connectionId = decodeURIComponent(raw)
  } catch {
    return { error: 'forbidden' }
  }
  const op =
    method === 'POST' ? 'post' : method === 'GET' ? 'get' : method === 'DELETE' ? 'delete' : undefined
  return op ? { op, connectionId } : { error: 'forbidden' }
}

function headers(errorType?: string): Record<string, string> {
  const h: Record<string, string> = { 'x-amzn-RequestId': randomUUID(), 'content-type': 'application/json' }
  if (errorType) h['x-amzn-ErrorType'] = errorType
  return h
}

export function okResponse(op: ManagementOp, info?: ConnectionInfo): WireResponse {
  if (op === 'delete') return { status: 204, headers: headers(), body: '' }
  if (op === 'get' && info) {
    const identity: Record<string, string> = { sourceIp: info.sourceIp }
    if (info.userAgent !== undefined) identity.userAgent = info.userAgent
    return {
      status: 200,
      headers: headers(),
      body: JSON.stringify({
        connectedAt: info.connectedAt.toISOString(),
        identity,
        lastActiveAt: info.lastActiveAt.toISOString(),
      }),
    }
  }
  return { status: 200, headers: headers(), body: '' }
}

const MESSAGES: Record<string, string> = {
  ForbiddenException: 'Forbidden',
  LimitExceededException: 'Rate exceeded',
}

/** A typed streamer error as the service would answer it. GoneException has an empty body. */
export function errorResponse(error: StreamerError | 'forbidden'): WireResponse {
  if (error === 'forbidden') {
    return {
      status: 403,
      headers: headers('ForbiddenException'),
      body: JSON.stringify({ message: 'Forbidden' }),
    }
  }
  if (error.status === 410) return { status: 410, headers: headers('GoneException'), body: '' }
  const code = error.status >= 500 ? 'InternalServerErrorException' : error.code
  const message = error.status >= 500 ? 'Internal server error' : (MESSAGES[code] ?? error.message)
  return {
    status: Math.min(error.status, 500),
    headers: headers(code),
    body: JSON.stringify({ message }),
  }
}
