// The dev log: one readable line per event, columns aligned so a terminal scans well.
//   12:01:02.345 MESSAGE    sendmessage  R1kmxc2VNjMCFIA=  200  3.1ms
// A failure adds the error's stack below its line, indented.

export interface LogFields {
  kind: 'CONNECT' | 'AUTHORIZE' | 'MESSAGE' | 'DISCONNECT' | 'MANAGE' | 'HTTP' | 'RELOAD' | 'GATEWAY'
  route?: string
  connectionId?: string
  status?: string | number
  ms?: number
  detail?: string
  error?: unknown
  // Structured facts for subscribers (the inspector); the text line leaves them out, and
  // nothing reads them when nobody subscribed.
  /** The Lambda event the function got. */
  event?: unknown
  /** What the function returned. */
  result?: unknown
  /** The invocation's request id (the Lambda context's awsRequestId). */
  invocation?: string
  /** Which function ran: a route key, `authorizer` or `http` (what a replay invokes again). */
  fn?: string
  /** @connections calls: the invocation that made the call, or the HTTP client's User-Agent. */
  caller?: string
  /** Bytes of the frame or the payload. */
  bytes?: number
  /** What went out to the client: a @connections POST's payload, or a route response. */
  data?: Uint8Array | string
  /** A frame that reached no function (no event was built): its text. */
  frame?: string
  /** How a connection closed (the DISCONNECT that reports it). */
  close?: { code: number; reason: string }
  /** The handshake's query string (CONNECT). */
  query?: Record<string, string>
  /** What the invocation printed (stdout/stderr), when the runtime captures it. */
  output?: string
}

/**
 * A log subscriber: the fields as logged, and when. The gateway never changes a record
 * after logging it, so a subscriber may keep it (the inspector's ring does); it must not
 * change it.
 */
export type LogListener = (fields: LogFields, at: number) => void

// The offset of the zone this process started in: Node handlers run with Lambda's TZ
// (UTC) set in process.env, which moves the process's clock, not the log's. (Taken once:
// a DST change during a session shifts the log by an hour, which is cheaper than an Intl
// formatter on every line.)
const startOffsetMs = -new Date().getTimezoneOffset() * 60_000

const DAY_MS = 86_400_000

function clock(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const ms = (((now.getTime() + startOffsetMs) % DAY_MS) + DAY_MS) % DAY_MS
  return `${p(Math.floor(ms / 3_600_000))}:${p(Math.floor(ms / 60_000) % 60)}:${p(Math.floor(ms / 1000) % 60)}.${p(ms % 1000, 3)}`
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

function stackOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.stack) return undefined
  // The loader's namespace query says nothing to the user: file:///src/a.ts?tsx-namespace=x:3:9.
  const lines = error.stack
    .replace(/\?tsx-namespace=[^:)\s]*/g, '')
    .split('\n')
    .slice(1, 9)
  return lines.length > 0 ? lines.map((l) => `    ${l.trim()}`).join('\n') : undefined
}

export function formatLine(fields: LogFields, now = new Date()): string {
  const parts = [clock(now), fields.kind.padEnd(10)]
  if (fields.route !== undefined) parts.push(fields.route.padEnd(12))
  if (fields.connectionId !== undefined) parts.push(fields.connectionId)
  if (fields.status !== undefined) parts.push(String(fields.status))
  if (fields.ms !== undefined) parts.push(`${fields.ms}ms`)
  if (fields.detail) parts.push(fields.detail)
  if (fields.error !== undefined) parts.push(describeError(fields.error))
  let line = parts.join('  ')
  const stack = fields.error === undefined ? undefined : stackOf(fields.error)
  if (stack) line += `\n${stack}`
  const printed = fields.output?.replace(/\n$/, '')
  if (printed)
    line += `\n${printed
      .split('\n')
      .map((l) => `    | ${l}`)
      .join('\n')}`
  return line
}

/** Emits a log event: to the text sink (one line) and to every subscriber (the record). */
export interface DevLogger {
  (fields: LogFields): void
  /** Adds a listener for every later record; returns the unsubscribe. */
  subscribe(listener: LogListener): () => void
}

/**
 * Wraps the user's line sink; a throwing sink or listener never breaks the gateway. No
 * sink: nothing is formatted; no subscriber: no record is made.
 */
export function devLogger(sink: ((line: string) => void) | undefined): DevLogger {
  const listeners: LogListener[] = []
  const log = ((fields: LogFields) => {
    if (sink) {
      try {
        sink(formatLine(fields))
      } catch {
        // The log is best-effort.
      }
    }
    if (listeners.length === 0) return
    const at = Date.now()
    for (const listener of listeners) {
      try {
        listener(fields, at)
      } catch {
        // A subscriber's failure is its own.
      }
    }
  }) as DevLogger
  log.subscribe = (listener) => {
    listeners.push(listener)
    return () => {
      const at = listeners.indexOf(listener)
      if (at >= 0) listeners.splice(at, 1)
    }
  }
  return log
}
