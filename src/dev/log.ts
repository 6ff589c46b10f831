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
  /** What the invocation printed (stdout/stderr), when the runtime captures it. */
  output?: string
}

function clock(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}.${p(now.getMilliseconds(), 3)}`
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

export type DevLogger = (fields: LogFields) => void

/** Wraps the user's line sink; a throwing sink never breaks the gateway. No sink: nothing is formatted. */
export function devLogger(sink: ((line: string) => void) | undefined): DevLogger {
  if (!sink) return () => {}
  return (fields) => {
    try {
      sink(formatLine(fields))
    } catch {
      // The log is best-effort.
    }
  }
}
