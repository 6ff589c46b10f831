import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { GatewayOptionError } from '../errors.js'
import { refuse } from './handshake.js'
import { hostPolicy } from './host.js'
import { handleHttp } from './http-routes.js'
import { forbidHost, refuseBadRequests, serveHttp } from './listener.js'
import { offersWebSocket, serveWithoutUpgrade } from './plain-upgrade.js'
import type { GatewayState } from './state.js'

// The `httpPort` option: the HTTP routes on a port of their own as well, as
// serverless-offline serves `http`/`httpApi` events on its httpPort (3000) and the
// WebSocket API with @connections on its websocketPort (3001). The same routes, the same
// CORS and the same Host checks (against this port); no WebSocket, no @connections.

export interface HttpPort {
  readonly port: number
  readonly url: string
  closeIdle(): void
  close(): Promise<void>
}

/**
 * Listens on `port` (0 picks one) at the gateway's host. `display` is the host as URLs
 * show it; `webSocketUrl` is named to a client that tries to connect here.
 */
export async function listenHttpPort(
  state: GatewayState,
  port: number,
  display: string,
  webSocketUrl: () => string,
): Promise<HttpPort> {
  const { options, log } = state
  const server: Server = createServer()
  let hostPort = ''
  // Events built here name this port: domainName is this listener's checked Host.
  const own: GatewayState = { ...state, address: () => hostPort, hosts: { domainFor: () => undefined } }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (own.hosts.domainFor(req.headers.host) === undefined) return forbidHost(own, req, res)
    serveHttp(own, req, res, handleHttp(own, req, res, false))
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!offersWebSocket(req)) return serveWithoutUpgrade(server, req, socket, head)
    socket.on('error', () => {})
    log({
      kind: 'CONNECT',
      route: '$connect',
      status: 403,
      detail: `port ${hostPort.slice(hostPort.lastIndexOf(':') + 1)} serves the HTTP routes only (httpPort): WebSockets connect at ${webSocketUrl()}`,
    })
    refuse(socket, 403)
  })
  refuseBadRequests(server)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // Said as the option it is: the CLI's --port advice would name the other port.
      if (error.code === 'EADDRINUSE')
        reject(new GatewayOptionError(`httpPort ${port} is in use: pick another (0 picks a free one)`))
      else if (error.code === 'EACCES')
        reject(new GatewayOptionError(`not allowed to listen on httpPort ${port}: use one above 1023`))
      else reject(error)
    })
    server.listen(port, options.host, () => {
      server.removeAllListeners('error')
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  hostPort = `${display}:${bound}`
  own.hosts = hostPolicy(options.host, bound, options.allowedHosts, () => hostPort)
  return {
    port: bound,
    url: `http://${hostPort}`,
    closeIdle: () => server.closeIdleConnections(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
