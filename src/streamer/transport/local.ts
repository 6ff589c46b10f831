import { Lru } from '../lru.js'
import type { Transport } from './types.js'

// In-process transports by endpoint. The local gateway registers one for its own
// @connections endpoint, so a handler it runs reaches the same @connections model
// without an HTTP round trip through the SDK (which costs far more CPU than the rest
// of a message's path). Everything above the transport (validation, retries, typed
// errors) is unchanged; other processes (boto3, the CLI, a backend) still use HTTP.
//
// The registry lives on globalThis: the gateway and the user's handler may load two
// copies of socketeer (dist and src, ESM and CJS), and they must see one registry.

export interface LocalTransportEntry {
  /** True when this endpoint URL is served by the registering gateway. */
  matches(endpoint: URL): boolean
  transport: Transport
}

interface Registry {
  entries: Set<LocalTransportEntry>
  /** endpoint string → the entry that serves it (or null); cleared on every change. */
  cache: Lru<string, LocalTransportEntry | null>
}

const KEY = Symbol.for('socketeer.localTransports')

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry }
  g[KEY] ??= { entries: new Set(), cache: new Lru(64) }
  return g[KEY]
}

/** Registers a transport; the returned function unregisters it. */
export function registerLocalTransport(entry: LocalTransportEntry): () => void {
  const r = registry()
  r.entries.add(entry)
  r.cache.clear()
  return () => {
    r.entries.delete(entry)
    r.cache.clear()
  }
}

export function localTransportFor(endpoint: string): Transport | undefined {
  const r = registry()
  if (r.entries.size === 0) return undefined
  let entry = r.cache.get(endpoint)
  if (entry === undefined) {
    entry = null
    let url: URL | undefined
    try {
      url = new URL(endpoint)
    } catch {}
    if (url) for (const e of r.entries) if (e.matches(url)) entry = e
    r.cache.set(endpoint, entry)
  }
  return entry?.transport
}
