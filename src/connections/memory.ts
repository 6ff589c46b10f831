import { ConnectionGoneError } from './errors.js'
import {
  HELD_PAGE_BYTES,
  type HeldMessage,
  type HeldMessagesOptions,
  type HeldPage,
  type HeldPolicy,
  heldPolicy,
  nextSeq,
  pageOf,
  textBytes,
  validateSession,
} from './held.js'
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
  /** Session messages no live connection took, kept for the next connection (connections/held.ts); `false`: none. */
  heldMessages?: HeldMessagesOptions | false
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
  readonly #held = new Map<string, HeldMessage[]>()
  readonly #policy: HeldPolicy | undefined
  #sweepAt = 1024
  #heldSweepAt = 1024

  constructor(options: MemoryConnectionStoreOptions = {}) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS
    this.#now = options.now ?? (() => Date.now())
    this.#policy = heldPolicy(options.heldMessages)
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

  async holdSessionMessage(
    session: string,
    message: { id: string; text: string },
  ): Promise<HeldMessage | undefined> {
    validateSession(session)
    const policy = this.#policy
    if (!policy || textBytes(message.text) > HELD_PAGE_BYTES) return undefined
    const now = this.#now()
    const held: HeldMessage = {
      seq: nextSeq(now),
      id: message.id,
      text: message.text,
      expiresAt: expiresFromNow(policy.maxAgeSeconds, now),
    }
    const list = this.#live(session, now)
    list.push(held)
    if (list.length > policy.limit) list.splice(0, list.length - policy.limit)
    this.#held.set(session, list)
    if (this.#held.size > this.#heldSweepAt) this.#sweepHeld(now)
    return { ...held }
  }

  async heldSessionMessages(session: string): Promise<HeldPage> {
    validateSession(session)
    const list = this.#live(session, this.#now())
    if (list.length === 0) this.#held.delete(session)
    const page = pageOf(list)
    return { messages: page.messages.map((m) => ({ ...m })), more: page.more }
  }

  async releaseSessionMessages(session: string, seqs: string[]): Promise<void> {
    validateSession(session)
    const list = this.#held.get(session)
    if (!list) return
    const gone = new Set(seqs)
    const left = list.filter((m) => !gone.has(m.seq))
    if (left.length === 0) this.#held.delete(session)
    else this.#held.set(session, left)
  }

  #live(session: string, now: number): HeldMessage[] {
    return (this.#held.get(session) ?? []).filter((m) => !isExpired(m.expiresAt, now))
  }

  #sweepHeld(now: number): void {
    for (const session of [...this.#held.keys()]) {
      const list = this.#live(session, now)
      if (list.length === 0) this.#held.delete(session)
      else this.#held.set(session, list)
    }
    this.#heldSweepAt = Math.max(1024, this.#held.size * 2)
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
