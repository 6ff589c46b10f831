// A bounded map that forgets the least recently used entry. The streamer keeps one
// client per endpoint for warm invocations; a warm Lambda serves one API, so a handful
// is plenty, and an unbounded map grew with every distinct endpoint a process saw
// (400 endpoints took the heap from 8 to 32 MB).

/** How many clients per cache a process keeps. */
export const MAX_CACHED_CLIENTS = 16

export class Lru<K, V> {
  readonly #entries = new Map<K, V>()

  constructor(readonly max: number = MAX_CACHED_CLIENTS) {}

  get size(): number {
    return this.#entries.size
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value === undefined) return undefined
    // A Map iterates in insertion order: re-inserting makes this the newest.
    this.#entries.delete(key)
    this.#entries.set(key, value)
    return value
  }

  set(key: K, value: V): void {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    while (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next().value as K
      this.#entries.delete(oldest)
    }
  }

  /** Removes the key only while it still maps to this value (a newer entry stays). */
  deleteIf(key: K, value: V): void {
    if (this.#entries.get(key) === value) this.#entries.delete(key)
  }

  delete(key: K): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }
}
