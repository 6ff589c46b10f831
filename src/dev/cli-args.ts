import { parseArgs } from 'node:util'
import type { DevOptions } from './dev-server.js'
import { MAX_TIMER_MS } from './options.js'

// `socketeer dev <entry> [options]` → DevOptions. Flags override the config file.

export const USAGE = `Usage: socketeer dev [entry] [options]

Runs Lambda handlers behind a local API Gateway WebSocket API, with its
@connections API and HTTP routes on the same port. The entry is a module
(TypeScript or JavaScript) exporting \`handler\` (or a default export, or an App);
\`file.ts#name\` picks another export. Changes to the entry's files reload the
handlers without dropping connections.

Options:
  -p, --port <n>                      port (default 3001; 0 picks a free one)
      --host <host>                   host (default 127.0.0.1)
      --allowed-host <name[:port]>    another name the gateway answers to (repeatable);
                                      loopback names and the bound address always work
      --stage <name>                  stage (default dev)
      --route <key>[=<entry>]         a route key and its own entry; without an entry the
                                      main handler serves it (repeatable)
      --authorizer <entry>            the $connect REQUEST authorizer
      --route-responses <keys|all>    routes whose returned body goes back as a frame
      --route-selection-expression <e>  default $request.body.action
      --idle-timeout <duration>       default 10m (ms, or 30s, 10m, 2h)
      --lifetime <duration>           default 2h
      --integration-timeout <duration>  default 29s
      --http <rest|v2|off>            HTTP routes as REST (V1) or HTTP API (V2) events
      --config <file>                 a JSON or JS/TS config file (same names as the options)
      --no-watch                      no hot reload
      --no-inspector                  no inspector page at /_socketeer/
  -h, --help                          this help
`

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m)
    throw new UsageError(
      `${flag}: expected a duration like 600000, 30s, 10m or 2h, got ${JSON.stringify(text)}`,
    )
  const value = Number(m[1]) * UNITS[m[2] ?? 'ms']!
  if (value <= 0) throw new UsageError(`${flag} must be positive`)
  if (value > MAX_TIMER_MS)
    throw new UsageError(`${flag} must be at most ${MAX_TIMER_MS} ms (about 24.8 days), got ${text}`)
  return value
}

export interface ParsedCli {
  help: boolean
  config?: string
  options: DevOptions
}

export function parseCli(argv: string[]): ParsedCli {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        stage: { type: 'string' },
        route: { type: 'string', multiple: true },
        authorizer: { type: 'string' },
        'route-responses': { type: 'string' },
        'route-selection-expression': { type: 'string' },
        'idle-timeout': { type: 'string' },
        lifetime: { type: 'string' },
        'integration-timeout': { type: 'string' },
        http: { type: 'string' },
        config: { type: 'string' },
        'no-watch': { type: 'boolean' },
        'no-inspector': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>
  if (v.help) return { help: true, options: {} }
  const [command, entry, ...rest] = parsed.positionals
  if (command !== 'dev')
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'missing command')
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`)
  const options: DevOptions = {}
  if (entry) options.entry = entry
  if (typeof v.port === 'string') {
    const port = Number(v.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port: invalid port ${v.port}`)
    options.port = port
  }
  if (typeof v.host === 'string') options.host = v.host
  if (Array.isArray(v['allowed-host'])) options.allowedHosts = v['allowed-host']
  if (typeof v.stage === 'string') options.stage = v.stage
  if (Array.isArray(v.route)) {
    options.routes = {}
    for (const r of v.route) {
      const eq = r.indexOf('=')
      const key = eq < 0 ? r : r.slice(0, eq)
      if (!key) throw new UsageError(`--route: expected <key>[=<entry>], got ${JSON.stringify(r)}`)
      options.routes[key] = eq < 0 ? undefined : r.slice(eq + 1)
    }
  }
  if (typeof v.authorizer === 'string') options.authorizer = v.authorizer
  const rr = v['route-responses']
  if (typeof rr === 'string') {
    options.routeResponses =
      rr === 'all' || rr === 'true'
        ? true
        : rr
            .split(',')
            .map((k) => k.trim())
            .filter(Boolean)
  }
  const expr = v['route-selection-expression']
  if (typeof expr === 'string') options.routeSelectionExpression = expr
  if (typeof v['idle-timeout'] === 'string')
    options.idleTimeoutMs = parseDuration(v['idle-timeout'], '--idle-timeout')
  if (typeof v.lifetime === 'string') options.lifetimeMs = parseDuration(v.lifetime, '--lifetime')
  const it = v['integration-timeout']
  if (typeof it === 'string') options.integrationTimeoutMs = parseDuration(it, '--integration-timeout')
  if (typeof v.http === 'string') {
    if (v.http !== 'rest' && v.http !== 'v2' && v.http !== 'off')
      throw new UsageError('--http: expected rest, v2 or off')
    options.http = v.http === 'off' ? false : v.http
  }
  if (v['no-watch']) options.watch = false
  if (v['no-inspector']) options.inspector = false
  return { help: false, config: typeof v.config === 'string' ? v.config : undefined, options }
}

/** The config file's options under the flags; `--route` adds to the file's routes rather than replacing them. */
export function withConfig(config: DevOptions, flags: DevOptions): DevOptions {
  const options = { ...config, ...flags }
  if (config.routes && flags.routes) options.routes = { ...config.routes, ...flags.routes }
  return options
}
