// A structured JSON logger bound to the request id. Replaceable by the user's own
// (Powertools Logger, pino, ...) through the App's `logger` option.

// Fields as a rest parameter rather than an optional one: that is the shape Powertools'
// Logger (`info(input, ...extraInput)`) and pino-style loggers accept, so they fit as is.
// socketeer itself always passes at most one fields object.
export interface Logger {
  debug(message: string, ...fields: Record<string, unknown>[]): void
  info(message: string, ...fields: Record<string, unknown>[]): void
  warn(message: string, ...fields: Record<string, unknown>[]): void
  error(message: string, ...fields: Record<string, unknown>[]): void
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface JsonLoggerOptions {
  level?: LogLevel
  /** Where lines go; defaults to stdout (CloudWatch reads it). */
  write?: (line: string) => void
  fields?: Record<string, unknown>
}

function serialiseError(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack }
  return value
}

// Logging must never throw: a BigInt or a cycle in a thrown value would otherwise turn a
// handled error into a failed invocation.
function stringify(entry: Record<string, unknown>): string {
  try {
    return JSON.stringify(entry)
  } catch {
    const seen = new WeakSet<object>()
    try {
      return JSON.stringify(entry, (_key, value: unknown) => {
        if (typeof value === 'bigint') return value.toString()
        if (typeof value === 'object' && value !== null) {
          if (seen.has(value)) return '[Circular]'
          seen.add(value)
        }
        return value
      })
    } catch {
      return JSON.stringify({
        level: entry.level,
        time: entry.time,
        message: String(entry.message),
        unserialisable: true,
      })
    }
  }
}

export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const envLevel = process.env.SOCKETEER_LOG_LEVEL ?? process.env.LOG_LEVEL
  const level = options.level ?? ((envLevel?.toLowerCase() as LogLevel | undefined) || 'info')
  const min = RANK[level] ?? RANK.info
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const base = options.fields ?? {}
  const log =
    (name: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (RANK[name] < min) return
      const entry: Record<string, unknown> = { level: name, time: new Date().toISOString(), message, ...base }
      if (fields) for (const k in fields) entry[k] = serialiseError(fields[k])
      write(stringify(entry))
    }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

/** A factory that makes the per-request logger; called lazily, once per request that logs. */
export type LoggerFactory = (bindings: { requestId: string }) => Logger
