import type { ClientEvents } from './types.js'

// The client's event listeners. A listener that throws is reported where the runtime
// reports uncaught errors, and the other listeners still run: one bad listener must not
// stop a reconnect or a reply's delivery.

const listenerError = (error: unknown) => {
  const report = (globalThis as { reportError?: (e: unknown) => void }).reportError
  if (report) report(error)
  else console.error(error)
}

export class Emitter<M> {
  readonly #listeners = new Map<string, Set<(...args: any[]) => void>>()

  on<E extends keyof ClientEvents<M>>(event: E, listener: ClientEvents<M>[E]): () => void {
    let set = this.#listeners.get(event)
    if (!set) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }

  emit<E extends keyof ClientEvents<M>>(event: E, ...args: Parameters<ClientEvents<M>[E]>): void {
    const set = this.#listeners.get(event)
    if (!set) return
    for (const fn of [...set]) {
      try {
        fn(...args)
      } catch (error) {
        listenerError(error)
      }
    }
  }
}
