import { ConnectionGoneError } from './errors.js'
import { expiresFromNow, isExpired, normaliseRecord, validateConnectionId, validateGroup } from './record.js'
import { DEFAULT_TTL_SECONDS } from './ttl.js'
import type {
  ConnectionRecord,
  ConnectionRecordInput,
  ConnectionStore,
  DeletedConnection,
  DeleteOptions,
  MembersOptions,
} from './types.js'

export interface MemoryConnectionStoreOptions {
  /** Seconds a record lives after connectedAt (and a membership or tombstone after it is written). */
  ttlSeconds?: number
  /** Clock, for tests of expiry. */
  now?: () => number
}

const clone = (r: ConnectionRecord): ConnectionRecord => structuredClone(r)

/**
 * The in-process store: the default for the local gateway and for tests. Same semantics
 * as DynamoConnectionStore (expiry, tombstones, no resurrection), none of the I/O.
 */
export class MemoryConnectionStore implements ConnectionStore {
  readonly ttlSeconds: number
  readonly #now: () => number
  readonly #records = new Map<string, ConnectionRecord>()
  // Deleted ids, kept until their expiry so a late put/join cannot bring them back.
  readonly #tombstones = new Map<string, number>()
  readonly #members = new Map<string, Map<string, number>>()
  readonly #groupsOf = new Map<string, Set<string>>()
  #sweepAt = 1024

  constructor(options: MemoryConnectionStoreOptions = {}) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS
    this.#now = options.now ?? (() => Date.now())
  }

  async put(input: ConnectionRecordInput): Promise<ConnectionRecord> {
    const record = normaliseRecord(input, this.ttlSeconds)
    if (this.#deleted(record.connectionId)) throw new ConnectionGoneError(record.connectionId)
    this.#records.set(record.connectionId, record)
    return clone(record)
  }

  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    validateConnectionId(connectionId)
    const record = this.#records.get(connectionId)
    return record && !isExpired(record.expiresAt, this.#now()) ? clone(record) : undefined
  }

  async delete(connectionId: string, options: DeleteOptions = {}): Promise<DeletedConnection> {
    validateConnectionId(connectionId)
    const now = this.#now()
    const record = this.#records.get(connectionId)
    const before = options.connectedBefore
    if (record && before !== undefined && !(record.connectedAt < before)) return { groups: [], skipped: true }
    // A prune of an id with no record (still in its `$connect`) must not tombstone it:
    // the App's save after an accepted `$connect` would be refused.
    if (record || before === undefined) {
      this.#records.delete(connectionId)
      this.#tombstones.set(connectionId, expiresFromNow(this.ttlSeconds, now))
    }
    const groups = [...(this.#groupsOf.get(connectionId) ?? [])]
    for (const group of groups) this.#drop(connectionId, group)
    this.#sweep(now)
    const out: DeletedConnection = { groups }
    if (record && !isExpired(record.expiresAt, now)) out.record = clone(record)
    return out
  }

  async join(connectionId: string, group: string): Promise<void> {
    validateConnectionId(connectionId)
    validateGroup(group)
    const record = this.#records.get(connectionId)
    if (!record || isExpired(record.expiresAt, this.#now())) throw new ConnectionGoneError(connectionId)
    let members = this.#members.get(group)
    if (!members) {
      members = new Map()
      this.#members.set(group, members)
    }
    members.set(connectionId, expiresFromNow(this.ttlSeconds, this.#now()))
    let groups = this.#groupsOf.get(connectionId)
    if (!groups) {
      groups = new Set()
      this.#groupsOf.set(connectionId, groups)
    }
    groups.add(group)
  }

  async leave(connectionId: string, group: string): Promise<void> {
    validateConnectionId(connectionId)
    validateGroup(group)
    this.#drop(connectionId, group)
  }

  async *members(group: string, _options?: MembersOptions): AsyncIterable<string> {
    validateGroup(group)
    const members = this.#members.get(group)
    if (!members) return
    // A Map iterator tolerates joins and leaves during the walk, as DynamoDB pagination does.
    for (const [id, expiresAt] of members) {
      if (!isExpired(expiresAt, this.#now())) yield id
    }
  }

  async *groups(connectionId: string): AsyncIterable<string> {
    validateConnectionId(connectionId)
    const groups = this.#groupsOf.get(connectionId)
    if (!groups) return
    for (const group of [...groups]) {
      const expiresAt = this.#members.get(group)?.get(connectionId)
      if (expiresAt !== undefined && !isExpired(expiresAt, this.#now())) yield group
    }
  }

  /** Live records, for the local gateway's inspection and for tests. */
  get size(): number {
    let n = 0
    const now = this.#now()
    for (const r of this.#records.values()) if (!isExpired(r.expiresAt, now)) n++
    return n
  }

  #deleted(connectionId: string): boolean {
    const tomb = this.#tombstones.get(connectionId)
    return tomb !== undefined && !isExpired(tomb, this.#now())
  }

  #drop(connectionId: string, group: string): void {
    const members = this.#members.get(group)
    if (members?.delete(connectionId) && members.size === 0) this.#members.delete(group)
    const groups = this.#groupsOf.get(connectionId)
    if (groups?.delete(group) && groups.size === 0) this.#groupsOf.delete(connectionId)
  }

  // What TTL does for DynamoDB: drop expired tombstones and records, amortised over deletes.
  #sweep(now: number): void {
    if (this.#tombstones.size < this.#sweepAt) return
    for (const [id, expiresAt] of this.#tombstones) if (isExpired(expiresAt, now)) this.#tombstones.delete(id)
    for (const [id, r] of this.#records) {
      if (isExpired(r.expiresAt, now)) {
        this.#records.delete(id)
        for (const group of [...(this.#groupsOf.get(id) ?? [])]) this.#drop(id, group)
      }
    }
    this.#sweepAt = Math.max(1024, this.#tombstones.size * 2)
  }
}
