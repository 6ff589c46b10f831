import type { LogFields } from '../log.js'
import { UNNAMED } from '../management/in-process.js'
import { type Entry, Ring } from './ring.js'

// What the inspector remembers: the last N log records (a ring, see ring.ts) and a table
// of the connections they describe. Recording keeps the record (a copy only when a body
// over the limit is cut); nothing is built or serialised until a page asks.

export type { Entry }

export interface RecorderOptions {
  maxEvents: number
  maxBodyBytes: number
  /** Closed connections kept for the page (live ones are always kept). */
  maxClosed: number
}

export interface ConnectionRow {
  id: string
  connectedAt: number
  sourceIp?: string
  userAgent?: string
  query?: Record<string, string>
  authorizer?: Record<string, unknown>
  messagesIn: number
  messagesOut: number
  bytesIn: number
  bytesOut: number
  closedAt?: number
  close?: { code: number; reason: string }
}

/** Facts the gateway holds on a live connection (read when its CONNECT is recorded). */
export interface LiveFacts {
  connectedAt: number
  sourceIp?: string
  userAgent?: string
  authorizer?: Record<string, unknown>
}

/** The caller the inspector's own @connections calls (post, disconnect) are logged with. */
export const INSPECTOR_CALLER = 'the inspector page'

/** How long after an invocation ends an unnamed call may still be its own (not awaited). */
const LATE_MS = 100

/** Told that a record was added (its seq); a listener reads what it needs from the ring later. */
type Listener = (seq: number) => void

// A copy of the first `max` characters that does not keep the whole string alive
// (V8 slices can point into their parent).
function cutText(text: string, max: number): string {
  return Buffer.from(text.slice(0, max)).toString()
}

function textOver(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > max
}

/** A shallow copy of a record with every oversized text cut, their full lengths in `cut`. */
function trimmed(fields: LogFields, max: number, cut: Record<string, number>): LogFields {
  const out = { ...fields }
  const event = fields.event as { body?: unknown } | undefined
  if (event && textOver(event.body, max)) {
    cut['event.body'] = event.body.length
    out.event = { ...event, body: cutText(event.body, max) }
  }
  const result = fields.result as { body?: unknown } | null | undefined
  if (result && typeof result === 'object' && textOver(result.body, max)) {
    cut['result.body'] = result.body.length
    out.result = { ...result, body: cutText(result.body, max) }
  }
  if (textOver(fields.data, max)) {
    cut.data = fields.data.length
    out.data = cutText(fields.data, max)
  } else if (fields.data instanceof Uint8Array && fields.data.length > max) {
    cut.data = fields.data.length
    out.data = fields.data.slice(0, max)
  }
  if (textOver(fields.frame, max)) {
    cut.frame = fields.frame.length
    out.frame = cutText(fields.frame, max)
  }
  if (textOver(fields.output, max)) {
    cut.output = fields.output.length
    out.output = cutText(fields.output, max)
  }
  return out
}

export class Recorder {
  readonly #ring: Ring
  readonly #listeners = new Set<Listener>()
  readonly connections = new Map<string, ConnectionRow>()
  #closed = 0

  constructor(
    readonly options: RecorderOptions,
    private readonly facts: (id: string) => LiveFacts | undefined,
    private readonly generation: () => number,
  ) {
    this.#ring = new Ring(options.maxEvents)
  }

  get lastSeq(): number {
    return this.#ring.lastSeq
  }

  /** The log's subscriber. The record is kept as it is (or a trimmed copy), never changed. */
  readonly record = (fields: LogFields, at: number): void => {
    const max = this.options.maxBodyBytes
    let cut: Record<string, number> | undefined
    let kept = fields
    // Only a body over the limit costs a copy of the record.
    if (
      textOver(fields.output, max) ||
      textOver(fields.frame, max) ||
      (fields.data !== undefined && fields.data.length > max) ||
      textOver((fields.event as { body?: unknown } | undefined)?.body, max) ||
      textOver((fields.result as { body?: unknown } | null | undefined)?.body, max)
    ) {
      cut = {}
      kept = trimmed(fields, max, cut)
    }
    const seq = this.#ring.push(kept, at, this.generation(), cut)
    this.#track(kept, at, cut)
    if (this.#listeners.size > 0) for (const listener of this.#listeners) listener(seq)
  }

  get(seq: number): Entry | undefined {
    return this.#ring.get(seq)
  }

  /** Whether a record is still held (without building it). */
  has(seq: number): boolean {
    return this.#ring.has(seq)
  }

  /** The oldest seq still held. */
  get firstSeq(): number {
    return this.#ring.firstSeq
  }

  /** Records after `seq`, oldest first. */
  after(seq: number): Entry[] {
    return this.#ring.after(seq)
  }

  /** The @connections calls an invocation made, in order. */
  callsOf(invocation: string): Entry[] {
    return this.#ring.callsOf(invocation)
  }

  /**
   * Whether every @connections call an invocation made is tied to it: an App names its
   * calls, so they are, unless some call that named no invocation (boto3 or the SDK over
   * HTTP, a streamer given no requestId) ran while it did and may have been its own.
   */
  callsTied(entry: Entry): boolean {
    if (entry.invocation === undefined) return true
    const from = entry.at - (entry.ms ?? 0) - 1
    // A little past its end too: a call a handler did not await lands just after.
    return !this.#ring.unnamedCallBetween(entry.seq, from, entry.at + LATE_MS, UNNAMED, INSPECTOR_CALLER)
  }

  /** The record of the invocation with this request id, if still held. */
  byInvocation(invocation: string): Entry | undefined {
    return this.#ring.byInvocation(invocation)
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  get subscribers(): number {
    return this.#listeners.size
  }

  #track(entry: LogFields, at: number, cut: Record<string, number> | undefined): void {
    const id = entry.connectionId
    if (id === undefined) return
    if (entry.kind === 'CONNECT' && entry.status === 101) {
      const live = this.facts(id)
      const row: ConnectionRow = {
        id,
        connectedAt: live?.connectedAt ?? at,
        messagesIn: 0,
        messagesOut: 0,
        bytesIn: 0,
        bytesOut: 0,
      }
      if (live?.sourceIp) row.sourceIp = live.sourceIp
      if (live?.userAgent) row.userAgent = live.userAgent
      if (live?.authorizer) row.authorizer = live.authorizer
      if (entry.query) row.query = entry.query
      this.connections.set(id, row)
      return
    }
    const row = this.connections.get(id)
    if (!row) return
    if (entry.kind === 'MESSAGE' && entry.bytes !== undefined) {
      row.messagesIn++
      row.bytesIn += entry.bytes
      if (entry.data !== undefined) {
        row.messagesOut++
        row.bytesOut += cut?.data ?? entry.data.length
      }
    } else if (entry.kind === 'MANAGE' && entry.route?.startsWith('POST') && entry.status === 200) {
      row.messagesOut++
      row.bytesOut += entry.bytes ?? 0
    } else if (entry.kind === 'DISCONNECT' && entry.close && row.closedAt === undefined) {
      row.closedAt = at
      row.close = entry.close
      this.#closed++
      this.#forgetOldClosed()
    }
  }

  #forgetOldClosed(): void {
    if (this.#closed <= this.options.maxClosed) return
    for (const [id, row] of this.connections) {
      if (row.closedAt === undefined) continue
      this.connections.delete(id)
      if (--this.#closed <= this.options.maxClosed) return
    }
  }
}
