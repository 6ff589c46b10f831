import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { parseHost } from '../gateway/host.js'

// Who may use the inspector. It shows every event and can post to and close any
// connection, so by default only this machine: a loopback peer, a Host that names
// this machine (a DNS-rebinding page reaches 127.0.0.1 under its own name, which
// this refuses), and for anything but GET an Origin, if sent, that is the page's own
// (another site's form or fetch cannot act through the user's browser). The gateway's
// own Host check has run before; this one is narrower: a tunnel's name the gateway
// allows (`allowedHosts`) reaches the app, not the inspector.

const LOOPBACK_NAME = /^(localhost|127(\.\d{1,3}){3}|::1)$/

function isLoopbackPeer(req: IncomingMessage): boolean {
  const ip = req.socket.remoteAddress ?? ''
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.')
}

export interface GuardOptions {
  /** The host the gateway listens on. */
  listenHost: string
  /** Serve peers other than loopback (and Hosts that are IP addresses). */
  allowRemote: boolean
}

/** Why the request is refused, or undefined when it may go on. */
export function refusal(req: IncomingMessage, options: GuardOptions): string | undefined {
  if (!options.allowRemote && !isLoopbackPeer(req))
    return 'The inspector answers this machine only (start the gateway with inspector.allowRemote to change that)'
  const host = req.headers.host
  const name = host === undefined ? undefined : parseHost(host)?.name
  if (host === undefined || name === undefined) return 'A Host header naming this gateway is required'
  const own =
    LOOPBACK_NAME.test(name) ||
    name === options.listenHost.toLowerCase() ||
    (options.allowRemote && isIP(name) !== 0)
  if (!own) return `The inspector does not answer for the host ${JSON.stringify(name)}`
  const origin = req.headers.origin
  if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined && origin !== `http://${host}`)
    return 'Actions are taken from the inspector page only (the Origin is not this gateway)'
  return undefined
}
