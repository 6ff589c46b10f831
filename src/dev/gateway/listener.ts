import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { refusedHost } from './host.js'
import type { GatewayState } from './state.js'

// What every port of the gateway (its own, and httpPort's) answers the same way.

/** Answers a request whose Host is not one of the gateway's names. */
export function forbidHost(state: GatewayState, req: IncomingMessage, res: ServerResponse): void {
  req.resume()
  res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-RequestId': crypto.randomUUID() })
  res.end('{"message":"Forbidden"}')
  state.log({ kind: 'HTTP', route: req.method ?? 'GET', status: 403, detail: refusedHost(req) })
}

/** Runs a request's work; a failure it did not answer becomes API Gateway's 500. */
export function serveHttp(
  state: GatewayState,
  req: IncomingMessage,
  res: ServerResponse,
  work: Promise<void>,
): void {
  work.catch((error) => {
    state.log({ kind: 'HTTP', route: `${req.method} ${(req.url ?? '/').split('?')[0]}`, status: 500, error })
    if (res.writableEnded || res.destroyed) return
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
    res.end('{"message":"Internal server error"}')
  })
}

/** A request Node cannot parse gets a plain 400, never a hung or crashed socket. */
export function refuseBadRequests(server: Server): void {
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })
}
