import type { LogFields } from '../log.js'

// The last N log records. A slot holds the record object itself (the gateway never
// changes a record after logging it) and its numbers in one typed array, both allocated
// once. Copying a record's fields into columns was tried and measured: reading ~17
// fields from records of many shapes costs more per record (megamorphic loads) than the
// young generation's copy of the one record object that keeping it adds. An Entry object
// is only built when a page asks for one.

/** One record as the views read it: the log fields plus where it sits in the ring. */
export interface Entry extends LogFields {
  seq: number
  at: number
  /** The integration table's generation when it ran: another one means the code was reloaded since. */
  generation: number
  /** Fields whose text was cut at maxBodyBytes, with their full length. */
  cut?: Record<string, number>
}

// Numbers per slot (stride NUMS).
const SEQ = 0
const AT = 1
const GENERATION = 2
const NUMS = 3

export class Ring {
  readonly #records: (LogFields | undefined)[]
  readonly #cuts: (Record<string, number> | undefined)[]
  readonly #nums: Float64Array
  #next = 1

  constructor(readonly size: number) {
    this.#records = new Array(size).fill(undefined)
    this.#cuts = new Array(size).fill(undefined)
    this.#nums = new Float64Array(size * NUMS)
  }

  /** The last seq written (0 before any). */
  get lastSeq(): number {
    return this.#next - 1
  }

  /** The oldest seq still held. */
  get firstSeq(): number {
    return Math.max(1, this.#next - this.size)
  }

  /** Stores a record; returns its seq. `cut` comes with replaced (shortened) fields already applied to `fields`. */
  push(fields: LogFields, at: number, generation: number, cut?: Record<string, number>): number {
    const seq = this.#next++
    const slot = seq % this.size
    this.#records[slot] = fields
    this.#cuts[slot] = cut
    const n = slot * NUMS
    const nums = this.#nums
    nums[n + SEQ] = seq
    nums[n + AT] = at
    nums[n + GENERATION] = generation
    return seq
  }

  #slot(seq: number): number {
    const slot = seq % this.size
    return this.#nums[slot * NUMS + SEQ] === seq && seq > 0 ? slot : -1
  }

  /** The record held at a seq (not a copy: read it, never change it). */
  #record(slot: number): LogFields {
    return this.#records[slot]!
  }

  has(seq: number): boolean {
    return this.#slot(seq) >= 0
  }

  /** The record as an object, built now (undefined once it left the ring). */
  get(seq: number): Entry | undefined {
    const slot = this.#slot(seq)
    if (slot < 0) return undefined
    const n = slot * NUMS
    const entry = { kind: this.#record(slot).kind } as Entry
    for (const [key, value] of Object.entries(this.#record(slot)))
      if (value !== undefined) (entry as unknown as Record<string, unknown>)[key] = value
    entry.seq = seq
    entry.at = this.#nums[n + AT]!
    entry.generation = this.#nums[n + GENERATION]!
    const cut = this.#cuts[slot]
    if (cut !== undefined) entry.cut = cut
    return entry
  }

  /** Records after `seq`, oldest first. */
  after(seq: number): Entry[] {
    const out: Entry[] = []
    for (let s = Math.max(seq + 1, this.firstSeq); s <= this.lastSeq; s++) {
      const entry = this.get(s)
      if (entry) out.push(entry)
    }
    return out
  }

  /** Seqs of the records that `match` (scanned without building entries). */
  #where(match: (record: LogFields) => boolean): number[] {
    const out: number[] = []
    for (let s = this.firstSeq; s <= this.lastSeq; s++) {
      const slot = this.#slot(s)
      if (slot >= 0 && match(this.#record(slot))) out.push(s)
    }
    return out
  }

  /** The @connections calls an invocation made, oldest first. */
  callsOf(invocation: string): Entry[] {
    return this.#where((r) => r.caller === invocation && r.kind === 'MANAGE').map((s) => this.get(s)!)
  }

  /**
   * Whether an @connections call that could be some handler's own and names no invocation
   * (an HTTP call, or an in-process one whose caller is `unnamed`; not one in `ignored`)
   * was recorded between `from` and `to` (epoch ms). Scans out from `seq` both ways,
   * without building entries.
   */
  unnamedCallBetween(seq: number, from: number, to: number, unnamed: string, ignored: string): boolean {
    const unnamedAt = (slot: number): boolean => {
      const r = this.#record(slot)
      if (r.kind !== 'MANAGE' || r.caller === ignored) return false
      return r.caller === unnamed || typeof r.route !== 'string' || !r.route.endsWith(' in-process')
    }
    for (let s = Math.min(seq, this.lastSeq); s >= this.firstSeq; s--) {
      const slot = this.#slot(s)
      if (slot < 0) continue
      const at = this.#nums[slot * NUMS + AT]!
      if (at < from) break
      if (at <= to && unnamedAt(slot)) return true
    }
    for (let s = Math.max(seq + 1, this.firstSeq); s <= this.lastSeq; s++) {
      const slot = this.#slot(s)
      if (slot < 0) continue
      if (this.#nums[slot * NUMS + AT]! > to) break
      if (unnamedAt(slot)) return true
    }
    return false
  }

  /** The record of the invocation with this request id, if still held. */
  byInvocation(invocation: string): Entry | undefined {
    const [seq] = this.#where((r) => r.invocation === invocation && r.kind !== 'MANAGE')
    return seq === undefined ? undefined : this.get(seq)
  }
}
