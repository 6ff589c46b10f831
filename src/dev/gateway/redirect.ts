import https from 'node:https'

// `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`, the endpoint AWS's samples
// build from the event's apiId and the function's region, reaches this gateway from
// handlers in its process: connections that an https.Agent (SDK v3's and v2's, socketeer's
// own transport) opens to exactly that name on port 443 go to the gateway's address and
// port instead, still verified against that name (the gateway's certificate carries it).
// Nothing else changes: another name, another port, a client that opens its own sockets
// (fetch, tls.connect) or an Agent subclass with its own createConnection connect as
// before. What decides is the name and port the client connects to, never a header.

export interface RedirectTarget {
  /** The gateway's address (loopback unless it is bound elsewhere). */
  host: string
  port: number
}

type CreateConnection = (this: https.Agent, options: any, callback?: unknown) => unknown

const routes = new Map<string, RedirectTarget[]>()
let original: CreateConnection | undefined

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

function install(): void {
  if (original) return
  const base = https.Agent.prototype.createConnection as unknown as CreateConnection
  original = base
  const redirecting: CreateConnection = function createConnection(this: https.Agent, options, callback) {
    // http.Agent always calls createConnection(options, callback) with `host` and `port` set.
    if (options && typeof options === 'object' && typeof options.host === 'string') {
      const name = normalise(options.host)
      const to = routes.get(name)?.[0]
      if (to && Number(options.port ?? 443) === 443)
        options = { ...options, host: to.host, port: to.port, servername: name }
    }
    return base.call(this, options, callback)
  }
  https.Agent.prototype.createConnection =
    redirecting as unknown as typeof https.Agent.prototype.createConnection
}

/**
 * Sends in-process https connections for `name` (port 443) to `to` until the returned
 * function is called. With two gateways claiming one name, the first keeps it (`shared`
 * tells the second).
 */
export function redirectInProcess(name: string, to: RedirectTarget): { release(): void; shared: boolean } {
  const key = normalise(name)
  install()
  const list = routes.get(key) ?? []
  const shared = list.length > 0
  list.push(to)
  routes.set(key, list)
  let released = false
  return {
    shared,
    release() {
      if (released) return
      released = true
      const now = (routes.get(key) ?? []).filter((t) => t !== to)
      if (now.length > 0) routes.set(key, now)
      else routes.delete(key)
      if (routes.size === 0 && original) {
        https.Agent.prototype.createConnection =
          original as unknown as typeof https.Agent.prototype.createConnection
        original = undefined
      }
    },
  }
}
