import type { SocketConstructor, SocketLike } from './types.js'

// Finding a WebSocket class, and reading what a failed handshake said. No node: import:
// in Node 20 (no global WebSocket) the `ws` package is imported by a name bundlers do
// not follow, so a browser bundle never tries to include it.

const OPEN = 1

let loaded: Promise<SocketConstructor> | undefined

export function socketClass(given: SocketConstructor | undefined): Promise<SocketConstructor> {
  if (given) return Promise.resolve(given)
  const global = (globalThis as { WebSocket?: SocketConstructor }).WebSocket
  if (global) return Promise.resolve(global)
  const name = 'ws'
  loaded ??= import(/* @vite-ignore */ /* webpackIgnore: true */ name).then(
    (m: { default?: SocketConstructor; WebSocket?: SocketConstructor }) => {
      const ws = m.WebSocket ?? m.default
      if (!ws) throw new Error('the ws package has no WebSocket export')
      return ws
    },
    () => {
      loaded = undefined
      throw new Error(
        'no WebSocket: this runtime has no global WebSocket and the `ws` package is not installed (npm install ws), or pass { WebSocket }',
      )
    },
  )
  return loaded
}

export function isOpen(socket: SocketLike): boolean {
  return socket.readyState === OPEN
}

/**
 * What a failed handshake's error event says, where the platform says anything: `ws`
 * gives the refusal's HTTP status ("Unexpected server response: 401") or the network
 * error ("connect ECONNREFUSED ..."). A browser's event says nothing: `explained` false.
 */
export function handshakeFailure(event: unknown): { status?: number; explained: boolean } {
  const e = event as { message?: unknown; error?: { message?: unknown; code?: unknown } } | undefined
  const text = String(e?.message ?? e?.error?.message ?? '')
  const m = /Unexpected server response: (\d{3})/.exec(text)
  if (m) return { status: Number(m[1]), explained: true }
  return { explained: typeof e?.error?.code === 'string' || /\bE[A-Z]{3,}\b/.test(text) }
}

/** A random URL-safe id from 16 bytes: Web Crypto exists in browsers and Node 20 alike. */
export function randomId(): string {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Adds `name=value` to a ws:// or wss:// URL, keeping what it carries. */
export function withParam(url: string, name: string, value: string): string {
  const hash = url.indexOf('#')
  const base = hash === -1 ? url : url.slice(0, hash)
  const sep = base.includes('?') ? '&' : '?'
  return `${base}${sep}${encodeURIComponent(name)}=${encodeURIComponent(value)}`
}

/** Browser connectivity, where there is any: `online`/`offline` events on window. */
export function watchOnline(onChange: (online: boolean) => void): () => void {
  const target = globalThis as {
    addEventListener?: (type: string, fn: () => void) => void
    removeEventListener?: (type: string, fn: () => void) => void
  }
  if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function')
    return () => {}
  const on = () => onChange(true)
  const off = () => onChange(false)
  target.addEventListener('online', on)
  target.addEventListener('offline', off)
  return () => {
    target.removeEventListener?.('online', on)
    target.removeEventListener?.('offline', off)
  }
}

export function isOffline(): boolean {
  const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator
  return nav?.onLine === false
}
