import type { LogRecord } from '../log.js'
import { trackingInvocations } from '../runtime/invoke.js'

// What the inspector remembers: the last N log records (a ring) and a table of the
// connections they describe. Recording keeps references and cuts oversized bodies;
// nothing is serialised until a page asks, so with no page open a record costs an
// object and a slot in an array.

export interface RecorderOptions {
  maxEvents: number
  maxBodyBytes: number
  /** Closed connections kept for the page (live ones are always kept). */
  maxClosed: number
}

export interface Entry extends LogRecord {
  seq: number
  /** The integration table's generation when it ran: another one means the code was reloaded since. */
  generation: number
  /** Whether its @connections calls were tied to it (a page was open while it ran). */
  tracked: boolean
  /** Fields whose text was cut at maxBodyBytes, with their full length. */
  cut?: Record<string, number>
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

type Listener = (entry: Entry) => void

// A copy of the first `max` characters that does not keep the whole string alive
// (V8 slices can point into their parent).
function cutText(text: string, max: number): string {
  return Buffer.from(text.slice(0, max)).toString()
}

export class Recorder {
  readonly #ring: Array<Entry | undefined>
  #next = 1
  readonly #listeners = new Set<Listener>()
  readonly connections = new Map<string, ConnectionRow>()
  #closed = 0

  constructor(
    readonly options: RecorderOptions,
    private readonly facts: (id: string) => LiveFacts | undefined,
    private readonly generation: () => number,
  ) {
    this.#ring = new Array(options.maxEvents)
  }

  get lastSeq(): number {
    return this.#next - 1
  }

  /** The log's subscriber. */
  readonly record = (record: LogRecord): void => {
    const entry = record as Entry
    entry.seq = this.#next++
    entry.generation = this.generation()
    entry.tracked = trackingInvocations()
    this.#trim(entry)
    this.#ring[entry.seq % this.#ring.length] = entry
    this.#track(entry)
    if (this.#listeners.size > 0) for (const listener of this.#listeners) listener(entry)
  }

  get(seq: number): Entry | undefined {
    const entry = this.#ring[seq % this.#ring.length]
    return entry?.seq === seq ? entry : undefined
  }

  /** Records after `seq`, oldest first. */
  after(seq: number): Entry[] {
    const out: Entry[] = []
    const first = Math.max(seq + 1, this.#next - this.#ring.length)
    for (let s = first; s < this.#next; s++) {
      const entry = this.get(s)
      if (entry) out.push(entry)
    }
    return out
  }

  /** The @connections calls an invocation made, in order. */
  callsOf(invocation: string): Entry[] {
    return this.after(0).filter((e) => e.kind === 'MANAGE' && e.caller === invocation)
  }

  /** The record of the invocation with this request id, if still held. */
  byInvocation(invocation: string): Entry | undefined {
    return this.after(0).find((e) => e.invocation === invocation && e.kind !== 'MANAGE')
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  get subscribers(): number {
    return this.#listeners.size
  }

  #trim(entry: Entry): void {
    const max = this.options.maxBodyBytes
    const cut = (name: string, length: number) => {
      entry.cut ??= {}
      entry.cut[name] = length
    }
    const event = entry.event as { body?: unknown } | undefined
    if (event && typeof event.body === 'string' && event.body.length > max) {
      cut('event.body', event.body.length)
      entry.event = { ...event, body: cutText(event.body, max) }
    }
    const result = entry.result as { body?: unknown } | undefined
    if (result && typeof result === 'object' && typeof result.body === 'string' && result.body.length > max) {
      cut('result.body', result.body.length)
      entry.result = { ...result, body: cutText(result.body, max) }
    }
    if (typeof entry.data === 'string' && entry.data.length > max) {
      cut('data', entry.data.length)
      entry.data = cutText(entry.data, max)
    } else if (entry.data instanceof Uint8Array && entry.data.length > max) {
      cut('data', entry.data.length)
      entry.data = entry.data.slice(0, max)
    }
    if (typeof entry.frame === 'string' && entry.frame.length > max) {
      cut('frame', entry.frame.length)
      entry.frame = cutText(entry.frame, max)
    }
    if (typeof entry.output === 'string' && entry.output.length > max) {
      cut('output', entry.output.length)
      entry.output = cutText(entry.output, max)
    }
  }

  #track(entry: Entry): void {
    const id = entry.connectionId
    if (id === undefined) return
    if (entry.kind === 'CONNECT' && entry.status === 101) {
      const live = this.facts(id)
      const row: ConnectionRow = {
        id,
        connectedAt: live?.connectedAt ?? entry.at,
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
        row.bytesOut += entry.cut?.data ?? entry.data.length
      }
    } else if (entry.kind === 'MANAGE' && entry.route?.startsWith('POST') && entry.status === 200) {
      row.messagesOut++
      row.bytesOut += entry.bytes ?? 0
    } else if (entry.kind === 'DISCONNECT' && entry.close && row.closedAt === undefined) {
      row.closedAt = entry.at
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
