import type { StreamerFactory } from '../streamer/types.js'

// A test harness (socketeer/testkit's `invoke`) stands in for every App's @connections
// client during one invocation, whatever wraps `app.handler` (middy, Powertools, your
// own wrapper): it runs the handler inside an AsyncLocalStorage scope holding a factory.
// The storage sits under a global symbol, so copies of the package (ESM and CJS, a
// hot-reloaded one) share it, and the core never imports node:async_hooks itself.

export const STREAMER_SCOPE: unique symbol = Symbol.for('socketeer.streamer-scope') as any

interface ScopeStorage {
  getStore(): StreamerFactory | undefined
}

/** The factory of the invocation running now, if a harness set one. */
export function scopedStreamer(): StreamerFactory | undefined {
  const storage = (globalThis as { [STREAMER_SCOPE]?: ScopeStorage })[STREAMER_SCOPE]
  return storage === undefined ? undefined : storage.getStore()
}
