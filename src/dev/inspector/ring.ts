import type { LogFields } from '../log.js'

// The last N log records, kept as columns: a record's numbers go into one typed array
// and its references into one flat array, both allocated once. The record object
// itself is not kept, so with no page open the gateway's young generation holds only
// what a record points at (the Lambda event, the payload), never the record, its
// numbers or a copy; an Entry object is only built when a page asks for one.

/** One record as the views read it: the log fields plus where it sits in the ring. */
export interface Entry extends LogFields {
  seq: number
  at: number
  /** The integration table's generation when it ran: another one means the code was reloaded since. */
  generation: number
  /** Fields whose text was cut at maxBodyBytes, with their full length. */
  cut?: Record<string, number>
}

// Reference columns, in order (stride REFS). Numbers: seq, at, ms, bytes, generation (stride NUMS).
const KIND = 0
const ROUTE = 1
const CONNECTION = 2
const STATUS = 3
const DETAIL = 4
const ERROR = 5
const EVENT = 6
const RESULT = 7
const INVOCATION = 8
const FN = 9
const CALLER = 10
const DATA = 11
const FRAME = 12
const CLOSE = 13
const QUERY = 14
const OUTPUT = 15
const CUT = 16
const REFS = 17

const SEQ = 0
const AT = 1
const MS = 2
const BYTES = 3
const GENERATION = 4
const NUMS = 5

export class Ring {
  readonly #refs: unknown[]
  readonly #nums: Float64Array
  #next = 1

  constructor(readonly size: number) {
    this.#refs = new Array(size * REFS).fill(undefined)
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
    const r = slot * REFS
    const refs = this.#refs
    refs[r + KIND] = fields.kind
    refs[r + ROUTE] = fields.route
    refs[r + CONNECTION] = fields.connectionId
    refs[r + STATUS] = fields.status
    refs[r + DETAIL] = fields.detail
    refs[r + ERROR] = fields.error
    refs[r + EVENT] = fields.event
    refs[r + RESULT] = fields.result
    refs[r + INVOCATION] = fields.invocation
    refs[r + FN] = fields.fn
    refs[r + CALLER] = fields.caller
    refs[r + DATA] = fields.data
    refs[r + FRAME] = fields.frame
    refs[r + CLOSE] = fields.close
    refs[r + QUERY] = fields.query
    refs[r + OUTPUT] = fields.output
    refs[r + CUT] = cut
    const n = slot * NUMS
    const nums = this.#nums
    nums[n + SEQ] = seq
    nums[n + AT] = at
    nums[n + MS] = fields.ms ?? Number.NaN
    nums[n + BYTES] = fields.bytes ?? Number.NaN
    nums[n + GENERATION] = generation
    return seq
  }

  #slot(seq: number): number {
    const slot = seq % this.size
    return this.#nums[slot * NUMS + SEQ] === seq && seq > 0 ? slot : -1
  }

  has(seq: number): boolean {
    return this.#slot(seq) >= 0
  }

  /** The record as an object, built now (undefined once it left the ring). */
  get(seq: number): Entry | undefined {
    const slot = this.#slot(seq)
    if (slot < 0) return undefined
    const r = slot * REFS
    const n = slot * NUMS
    const refs = this.#refs
    const nums = this.#nums
    const entry: Entry = {
      kind: refs[r + KIND] as LogFields['kind'],
      seq,
      at: nums[n + AT]!,
      generation: nums[n + GENERATION]!,
    }
    const set = <K extends keyof Entry>(key: K, value: unknown) => {
      if (value !== undefined) entry[key] = value as Entry[K]
    }
    set('route', refs[r + ROUTE])
    set('connectionId', refs[r + CONNECTION])
    set('status', refs[r + STATUS])
    const ms = nums[n + MS]!
    if (!Number.isNaN(ms)) entry.ms = ms
    set('detail', refs[r + DETAIL])
    set('error', refs[r + ERROR])
    set('event', refs[r + EVENT])
    set('result', refs[r + RESULT])
    set('invocation', refs[r + INVOCATION])
    set('fn', refs[r + FN])
    set('caller', refs[r + CALLER])
    const bytes = nums[n + BYTES]!
    if (!Number.isNaN(bytes)) entry.bytes = bytes
    set('data', refs[r + DATA])
    set('frame', refs[r + FRAME])
    set('close', refs[r + CLOSE])
    set('query', refs[r + QUERY])
    set('output', refs[r + OUTPUT])
    set('cut', refs[r + CUT])
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

  /** Seqs of the records whose reference column `column` equals `value` (scanned without building entries). */
  #where(column: number, value: unknown, also?: (slot: number) => boolean): number[] {
    const out: number[] = []
    for (let s = this.firstSeq; s <= this.lastSeq; s++) {
      const slot = this.#slot(s)
      if (slot >= 0 && this.#refs[slot * REFS + column] === value && (!also || also(slot))) out.push(s)
    }
    return out
  }

  /** The @connections calls an invocation made, oldest first. */
  callsOf(invocation: string): Entry[] {
    return this.#where(CALLER, invocation, (slot) => this.#refs[slot * REFS + KIND] === 'MANAGE').map(
      (s) => this.get(s)!,
    )
  }

  /**
   * Whether an @connections call that could be some handler's own and names no invocation
   * (an HTTP call, or an in-process one whose caller is `unnamed`; not one in `ignored`)
   * was recorded between `from` and `to` (epoch ms). Scans out from `seq` both ways,
   * without building entries.
   */
  unnamedCallBetween(seq: number, from: number, to: number, unnamed: string, ignored: string): boolean {
    const refs = this.#refs
    const unnamedAt = (slot: number): boolean => {
      if (refs[slot * REFS + KIND] !== 'MANAGE') return false
      const route = refs[slot * REFS + ROUTE]
      const caller = refs[slot * REFS + CALLER]
      if (caller === ignored) return false
      return caller === unnamed || typeof route !== 'string' || !route.endsWith(' in-process')
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
    const [seq] = this.#where(INVOCATION, invocation, (slot) => this.#refs[slot * REFS + KIND] !== 'MANAGE')
    return seq === undefined ? undefined : this.get(seq)
  }
}
