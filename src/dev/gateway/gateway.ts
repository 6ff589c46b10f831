import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import { appIntegrationOf } from '../../app/integration.js'
import { executeApiHost } from '../../events/hosts.js'
import type { ApiInfo, ConnectionFacts } from '../../events/websocket.js'
import { ConnectionsModel, DELETE_CLOSE_CODE, DELETE_CLOSE_REASON } from '../../management/model.js'
import { parseManagementPath } from '../../management/wire.js'
import { GoneError, ThrottledError } from '../../streamer/errors.js'
import { MAX_MESSAGE_BYTES } from '../../streamer/limits.js'
import { importDevPackage } from '../dev-packages.js'
import { type Inspector, startInspector } from '../inspector/inspector.js'
import { type DevLogger, devLogger } from '../log.js'
import { holdDummyCredentials } from '../management/credentials.js'
import { registerInProcess } from '../management/in-process.js'
import { forbidManagement, handleManagement } from '../management/management.js'
import {
  applyLive,
  type GatewayOptions,
  type Integrations,
  type LiveOptions,
  MAX_FRAME_BYTES,
  resolveOptions,
} from '../options.js'
import { handlerEnvironment, handlerRegion, holdProcessEnv } from '../runtime/env.js'
import { managementPathOf, webSocketPath } from './base-path.js'
import { Connection, GOING_AWAY } from './connection.js'
import { guardFrameSize } from './frame-guard.js'
import { chosenProtocols, handshake, refuse } from './handshake.js'
import { hostPolicy, parseHost, refusedHost } from './host.js'
import { type HttpPort, listenHttpPort } from './http-port.js'
import { handleHttp } from './http-routes.js'
import { IntegrationTable } from './integrations.js'
import { forbidHost, refuseBadRequests, serveHttp } from './listener.js'
import { closeConnection, MESSAGE_TOO_BIG, onClosed, onFrame } from './messages.js'
import { offersWebSocket, serveWithoutUpgrade } from './plain-upgrade.js'
import { type RedirectTarget, redirectInProcess } from './redirect.js'
import { type GatewayState, track } from './state.js'
import { acceptTls, certificateFor, type LocalCertificate, trustInProcess } from './tls.js'

// The local gateway: one HTTP server on one port carrying the WebSocket stage
// (ws://host:port/{stage}), the @connections API (/{stage}/@connections/{id}) and the
// HTTP routes of the same function, each answering as API Gateway does; with `httpPort`,
// the HTTP routes on a second port too (http-port.ts).

export interface Gateway {
  /** `ws://127.0.0.1:PORT/dev` */
  readonly url: string
  /** `http://127.0.0.1:PORT` (HTTP routes; the stage prefix is optional) */
  readonly httpUrl: string
  /** `http://127.0.0.1:PORT/dev`, what handlers derive from their events */
  readonly managementEndpoint: string
  /** `https://127.0.0.1:PORT/dev`: the same port speaks TLS too (undefined when it does not). */
  readonly httpsEndpoint: string | undefined
  /**
   * What the gateway tells the handlers it runs (set in process.env while it runs, and
   * given to worker processes): the @connections endpoint for socketeer and the AWS
   * SDKs, a region, the CA bundle that trusts its https.
   */
  readonly handlerEnv: Readonly<Record<string, string>>
  readonly port: number
  /** `http://127.0.0.1:HTTPPORT`: the HTTP routes' own port, when `httpPort` opened one. */
  readonly httpPortUrl: string | undefined
  /** `http://127.0.0.1:PORT/_socketeer/` when the inspector is on. */
  readonly inspectorUrl: string | undefined
  /** Live connection ids, in the order they connected. */
  connections(): string[]
  /** The WebSocket route keys with an integration (an App's own, `routes`, the plain handler's). */
  routes(): string[]
  /** The main handler's HTTP routes (`GET /posts/:id`), when it is an App. */
  httpRoutes(): string[]
  /** Swaps the handlers (hot reload), and with `live` the route settings; live connections stay open. */
  update(integrations: Integrations, live?: LiveOptions): void
  /** Closes every socket (firing $disconnect with 1001 `Going away`) and the server. */
  close(): Promise<void>
}

const CLOSE_GRACE_MS = 2_000

// Each gateway's log, for what runs beside it in this package (the dev server's RELOAD
// lines), so the inspector sees them too. Not part of the public Gateway.
const logs = new WeakMap<Gateway, DevLogger>()

export function gatewayLog(gateway: Gateway): DevLogger | undefined {
  return logs.get(gateway)
}

/** The execute-api name that leads to a gateway, and where: for the worker processes it starts. */
export interface GatewayRedirect extends RedirectTarget {
  name: string
}

const redirects = new WeakMap<Gateway, GatewayRedirect>()

export function gatewayRedirect(gateway: Gateway): GatewayRedirect | undefined {
  return redirects.get(gateway)
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const resolved = resolveOptions(options)
  const { WebSocketServer } = await importDevPackage('ws', () => import('ws'))
  const table = new IntegrationTable(options)
  const server = createServer()
  let hostPort = ''
  let closing: Promise<void> | undefined
  const state: GatewayState = {
    options: resolved,
    table,
    model: new ConnectionsModel(),
    log: devLogger(resolved.log),
    connections: new Map(),
    pending: new Set(),
    address: () => hostPort,
    // Set once the port is known (port 0 picks one); nothing is served before that.
    hosts: { domainFor: () => undefined },
  }
  const { model, log } = state
  const inspectorOptions = options.inspector === true ? {} : options.inspector || undefined
  const urls = () => {
    const httpUrl = `http://${hostPort}`
    return {
      url: `ws://${hostPort}/${resolved.stage}`,
      httpUrl,
      managementEndpoint: `${httpUrl}/${resolved.stage}`,
    }
  }
  const inspector: Inspector | undefined = inspectorOptions
    ? startInspector(state, inspectorOptions, urls)
    : undefined

  model.hooks = {
    deliver(connectionId, data) {
      const conn = state.connections.get(connectionId)
      if (!conn?.open) throw new GoneError(undefined, { connectionId })
      // The client is not reading: API Gateway answers 429 rather than buffer without end.
      if (conn.socket.bufferedAmount > resolved.sendBufferLimitBytes) {
        throw new ThrottledError('The connection is not reading fast enough', { connectionId })
      }
      conn.send(data)
    },
    close(connectionId) {
      const conn = state.connections.get(connectionId)
      if (conn) conn.close({ code: DELETE_CLOSE_CODE, reason: DELETE_CLOSE_REASON })
    },
  }

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (_offered, req) => chosenProtocols.get(req) ?? false,
  })

  const adopt = (ws: WebSocket, facts: ConnectionFacts, api: ApiInfo, req: IncomingMessage) => {
    if (closing) {
      // $connect finished after close() began: the connection opens into a closing gateway.
      ws.close(GOING_AWAY.code, GOING_AWAY.reason)
      model.end(facts.connectionId)
      return
    }
    const conn: Connection = new Connection(facts, api, ws, {
      idleMs: resolved.idleTimeoutMs,
      lifetimeMs: resolved.lifetimeMs,
      onExpire: (which) => {
        log({
          kind: 'DISCONNECT',
          connectionId: facts.connectionId,
          detail: `${which} timeout: closing with 1001`,
        })
        closeConnection(state, conn, GOING_AWAY)
      },
      onError: (error) => log({ kind: 'MESSAGE', connectionId: facts.connectionId, status: 500, error }),
    })
    state.connections.set(facts.connectionId, conn)
    model.accept(facts.connectionId)
    const limits = { frameBytes: MAX_FRAME_BYTES, messageBytes: MAX_MESSAGE_BYTES }
    guardFrameSize(req.socket, limits, (bytes, what) => {
      log({
        kind: 'MESSAGE',
        connectionId: conn.id,
        status: 1009,
        detail:
          what === 'frame'
            ? `a ${bytes}-byte frame (the limit is ${MAX_FRAME_BYTES}): closing`
            : `a message of ${bytes}+ bytes in fragments (the limit is ${MAX_MESSAGE_BYTES}): closing`,
      })
      closeConnection(state, conn, MESSAGE_TOO_BIG)
    })
    ws.on('message', (data, isBinary) => onFrame(state, conn, data as Buffer, isBinary))
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes the socket itself after a protocol error; record what the client was told.
      const code =
        error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? 1009
          : error.code === 'WS_ERR_INVALID_UTF8'
            ? 1007
            : 1002
      log({ kind: 'MESSAGE', connectionId: conn.id, status: code, detail: error.message })
      if (!conn.closedBy) {
        model.end(conn.id)
        conn.closedBy = code === 1009 ? MESSAGE_TOO_BIG : { code, reason: error.message }
      }
    })
    ws.on('close', (code, reason) => track(state, onClosed(state, conn, code, reason.toString())))
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!offersWebSocket(req)) return serveWithoutUpgrade(server, req, socket, head)
    socket.on('error', () => {}) // an abrupt disconnect is a close, not a crash
    if (state.hosts.domainFor(req.headers.host) === undefined) {
      log({ kind: 'CONNECT', route: '$connect', status: 403, detail: refusedHost(req) })
      refuse(socket, 403)
      return
    }
    const work = handshake(state, wss, adopt, req, socket, head).catch((error) => {
      log({ kind: 'CONNECT', route: '$connect', status: 500, error })
      refuse(socket, 500)
    })
    track(state, work)
  })

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!
    if (state.hosts.domainFor(req.headers.host) === undefined) return forbidHost(state, req, res)
    if (inspector?.owns(path)) {
      inspector.handle(req, res, path).catch((error) => {
        log({ kind: 'GATEWAY', detail: `inspector: ${req.method} ${path}`, status: 500, error })
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
        res.end('{"message":"The inspector failed on this request; the gateway is unharmed"}')
      })
      return
    }
    const target = parseManagementPath(req.method ?? 'GET', managementPathOf(resolved, path), resolved.stage)
    const work =
      target === undefined
        ? handleHttp(state, req, res)
        : 'error' in target
          ? Promise.resolve().then(() => forbidManagement(state, req, res))
          : handleManagement(state, req, res, target)
    serveHttp(state, req, res, work)
  })
  refuseBadRequests(server)
  const listenHost = displayHost(resolved.host).replace(/^\[|\]$/g, '')
  // Every name a handler's domainName can be (host.ts): the bound address and the allowed hosts.
  const names = [listenHost, ...resolved.allowedHosts.map((h) => parseHost(h)?.name ?? h)].filter(Boolean)
  // AWS's own name for this API in the handlers' region (redirect.ts): with https on, the
  // certificate carries it and the handlers' connections to it on 443 come here.
  const awsName = /^[a-z0-9]+$/i.test(resolved.apiId)
    ? executeApiHost(resolved.apiId, handlerRegion())
    : undefined
  if (resolved.tls && awsName) names.push(awsName)
  const certificate = resolved.tls ? await certificateFor([...new Set(names)].sort()) : undefined
  const secure = certificate && !(certificate instanceof Error) ? acceptTls(server, certificate) : undefined

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const host = displayHost(resolved.host)
  hostPort = `${host}:${port}`
  // The HTTP routes on a port of their own too (serverless-offline's httpPort); the same port twice is one.
  let httpPort: HttpPort | undefined
  if (resolved.httpPort !== undefined && (resolved.httpPort === 0 || resolved.httpPort !== port)) {
    try {
      httpPort = await listenHttpPort(state, resolved.httpPort, host, () => urls().url)
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      throw error
    }
  }
  // Requests that came by AWS's name (443 is the port a client omits from Host).
  const own = secure && awsName ? [awsName, `${awsName}:443`] : []
  state.hosts = hostPolicy(resolved.host, port, [...resolved.allowedHosts, ...own], () => hostPort)
  const releaseCredentials = resolved.dummyCredentials ? holdDummyCredentials() : undefined
  if (releaseCredentials) {
    log({
      kind: 'GATEWAY',
      detail:
        'no AWS credentials configured: dummy ones set while the gateway runs, so the SDK can sign @connections calls',
    })
  }

  if (certificate instanceof Error) {
    log({
      kind: 'GATEWAY',
      detail: `https off (${(certificate as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' ? 'the selfsigned package is not installed: npm install -D selfsigned' : certificate.message}): handlers must use the http endpoint`,
    })
  }
  const managementEndpoint = `http://${host}:${port}/${resolved.stage}`
  const handlerEnv = handlerEnvironment({
    managementEndpoint,
    caFile: secure ? (certificate as LocalCertificate).caFile : undefined,
    bundleFile: secure ? (certificate as LocalCertificate).bundleFile : undefined,
  })
  if (releaseCredentials) {
    handlerEnv.AWS_ACCESS_KEY_ID = 'local'
    handlerEnv.AWS_SECRET_ACCESS_KEY = 'local'
  }
  const releaseEnv = resolved.handlerEnv ? holdProcessEnv(handlerEnv) : undefined
  const releaseTrust = secure
    ? trustInProcess(readFileSync((certificate as LocalCertificate).caFile, 'utf8'))
    : undefined
  const redirect = secure && awsName ? { name: awsName, host: host.replace(/^\[|\]$/g, ''), port } : undefined
  const inProcessRedirect = redirect ? redirectInProcess(redirect.name, redirect) : undefined
  if (inProcessRedirect?.shared)
    log({
      kind: 'GATEWAY',
      detail: `another gateway in this process already answers https://${awsName}: its handlers' calls there go to it (give each gateway its own apiId)`,
    })

  const unregister = resolved.inProcessManagement ? registerInProcess(state, port) : () => {}

  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    const httpClosed = httpPort?.close()
    inspector?.close()
    secure?.close()
    for (const conn of [...state.connections.values()]) closeConnection(state, conn, GOING_AWAY)
    server.closeIdleConnections()
    secure?.closeIdleConnections()
    httpPort?.closeIdle()
    // A client that does not answer the close frame is cut off instead of waited for.
    const cutoff = setTimeout(() => {
      for (const conn of state.connections.values()) conn.socket.terminate()
    }, CLOSE_GRACE_MS)
    // Handshakes still in $connect, and every $disconnect, finish before close resolves.
    while (state.connections.size > 0 || state.pending.size > 0) {
      if (state.pending.size > 0) await Promise.allSettled([...state.pending])
      else await new Promise((r) => setTimeout(r, 5))
    }
    clearTimeout(cutoff)
    unregister()
    releaseCredentials?.()
    releaseEnv?.()
    releaseTrust?.()
    inProcessRedirect?.release()
    await closed
    await httpClosed
    wss.close()
  }

  const httpUrl = `http://${host}:${port}`
  const gateway: Gateway = {
    url: `ws://${host}:${port}${webSocketPath(resolved)}`,
    httpUrl,
    managementEndpoint,
    httpsEndpoint: secure ? `https://${host}:${port}/${resolved.stage}` : undefined,
    handlerEnv,
    port,
    httpPortUrl: httpPort?.url,
    inspectorUrl: inspector ? `${httpUrl}/_socketeer/` : undefined,
    connections: () => model.openIds(),
    routes: () => [...table.routeKeys()],
    httpRoutes: () => {
      const handler = table.http()
      return handler ? (appIntegrationOf(handler)?.httpRoutes ?? []) : []
    },
    update: (integrations, live) => {
      table.update(integrations)
      if (live) applyLive(resolved, live)
    },
    close: () => {
      closing ??= close()
      return closing
    },
  }
  logs.set(gateway, log)
  if (redirect) redirects.set(gateway, redirect)
  return gateway
}
