import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

// Who may use the inspector. It shows every event and can post to and close any
// connection, so by default only this machine: a loopback peer, a Host that names
// this machine (a DNS-rebinding page reaches 127.0.0.1 under its own name, which
// this refuses), and for anything but GET an Origin, if sent, that is the page's own
// (another site's form or fetch cannot act through the user's browser).

const LOOPBACK_NAME = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

function isLoopbackPeer(req: IncomingMessage): boolean {
  const ip = req.socket.remoteAddress ?? ''
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.')
}

function hostname(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')
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
  if (!host) return 'A Host header is required'
  const name = hostname(host)
  const own =
    LOOPBACK_NAME.test(name) ||
    name === options.listenHost ||
    name === `[${options.listenHost}]` ||
    (options.allowRemote && isIP(name.replace(/^\[|\]$/g, '')) !== 0)
  if (!own) return `The inspector does not answer for the host ${JSON.stringify(name)}`
  const origin = req.headers.origin
  if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined && origin !== `http://${host}`)
    return 'Actions are taken from the inspector page only (the Origin is not this gateway)'
  return undefined
}
