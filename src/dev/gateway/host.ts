import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'

// Which `Host` headers the gateway answers, and what `domainName` its events carry.
// Handlers derive their @connections endpoint from `domainName` and send signed calls
// there, so it must never come from an unchecked header: a client (or a web page, by DNS
// rebinding) sending `Host: 127.0.0.1:<another port>` would otherwise make handlers post
// the developer's credentials to a server of its choosing. A request whose Host is not
// one of the gateway's own names is refused, as dev servers refuse DNS rebinding.

const WILDCARD = new Set(['0.0.0.0', '::', ''])

/** `host[:port]` → lower-cased name (brackets kept off IPv6) and port; undefined when malformed. */
export function parseHost(header: string): { name: string; port: number | undefined } | undefined {
  const text = header.trim().toLowerCase()
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text)
  if (!m) return undefined
  const name = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!
  if (m[1]!.startsWith('[') && isIP(name) !== 6) return undefined
  const port = m[2] === undefined ? undefined : Number(m[2])
  if (port !== undefined && port > 65535) return undefined
  return { name, port }
}

function isLoopback(name: string): boolean {
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    (isIP(name) === 4 && name.startsWith('127.'))
  )
}

export interface HostPolicy {
  /**
   * The `domainName` for a request with this Host header: the header itself when it names
   * this gateway, the gateway's own address when there is none; undefined when refused.
   */
  domainFor(host: string | undefined): string | undefined
}

/**
 * Allowed: loopback names (`localhost`, `*.localhost`, `127.x.x.x`, `::1`) and the bound
 * address (every local interface address when bound to a wildcard) on the gateway's own
 * port, and each configured name exactly as configured (`tunnel.example` or
 * `tunnel.example:8443`; a name configured without a port matches only a Host without one).
 */
export function hostPolicy(
  bound: string,
  port: number,
  allowed: readonly string[],
  address: () => string,
): HostPolicy {
  const own = new Set<string>()
  if (WILDCARD.has(bound)) {
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) own.add(a.address.toLowerCase())
  } else own.add(bound.toLowerCase())
  const configured = new Set(allowed.map((h) => h.trim().toLowerCase()).filter(Boolean))
  return {
    domainFor(host) {
      if (host === undefined || host === '') return address()
      const lower = host.trim().toLowerCase()
      if (configured.has(lower)) return lower
      const parsed = parseHost(lower)
      if (!parsed || parsed.port !== port) return undefined
      return isLoopback(parsed.name) || own.has(parsed.name) ? lower : undefined
    },
  }
}

/** A short, quoted rendering of an untrusted Host for the log. */
export function shownHost(req: IncomingMessage): string {
  return JSON.stringify((req.headers.host ?? '').slice(0, 100))
}

/** The log's detail for a request refused for its Host. */
export function refusedHost(req: IncomingMessage): string {
  return `Host ${shownHost(req)} is not one of this gateway's names (loopback, its address, allowedHosts): refused`
}
