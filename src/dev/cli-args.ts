import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { DevOptions } from './dev-server.js'
import { MAX_TIMER_MS } from './options.js'

// `socketeer dev <entry> [options]` → DevOptions. Flags override the config file.

export const USAGE = `Usage: socketeer dev [entry] [options]

Runs Lambda handlers behind a local API Gateway WebSocket API, with its
@connections API and HTTP routes on the same port. The entry is a module
(TypeScript or JavaScript) exporting \`handler\` (or a default export, or an App),
or a Python file with a \`handler\` function; \`file.ts#name\` / \`file.py#name\` picks
another; Lambda's \`module.fn\` handler string works too. Changes to the entry's
files reload the handlers without dropping connections.

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
      --keepalive-routes <keys>       routes the gateway answers itself, like an AWS MOCK
                                      integration (socketeer/client: socketeer.keepalive)
      --route-selection-expression <e>  default $request.body.action
      --idle-timeout <duration>       default 10m (ms, or 30s, 10m, 2h)
      --lifetime <duration>           default 2h
      --integration-timeout <duration>  default 29s
      --http <rest|v2|off>            HTTP routes as REST (V1) or HTTP API (V2) events
      --code-dir <dir>                Lambda's task root: Python's import root, where a
                                      \`module.fn\` entry is found (default: the entry's folder)
      --python <path>                 the interpreter for .py entries (default: the active
                                      virtualenv's, else python3)
      --no-tls                        plain http only (default: the port speaks https too)
      --config <file>                 a JSON or JS/TS config file (same names as the options)

Project files (read from the current folder when no entry is given):
      --serverless <file>             a serverless.yml (.yaml, .ts, .js, .json)
      --template <file>               a SAM or CloudFormation template
      --parameter-overrides <K=V ...> template parameters (repeatable)
      --dynamodb <url>                use this DynamoDB instead of the embedded one
      --no-dynamodb                   no DynamoDB: the tables are not created
      --dynamodb-dir <dir>            keep the embedded DynamoDB's data in this folder
      --dynamodb-port <n>             the embedded DynamoDB's port (default 4566; 0 picks one)
      --print-config                  print the resolved configuration and exit
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
  /** `--print-config`: print the resolved configuration instead of serving it. */
  printConfig?: boolean
  options: DevOptions
}

/** `Key=Value Key2=Value2` and CloudFormation's `ParameterKey=K,ParameterValue=V`. */
export function parseParameterOverrides(values: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const word of values.flatMap((v) => v.trim().split(/\s+/)).filter(Boolean)) {
    const long = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(word)
    const eq = word.indexOf('=')
    if (long) out[long[1]!] = long[2]!
    else if (eq > 0) out[word.slice(0, eq)] = word.slice(eq + 1)
    else throw new UsageError(`--parameter-overrides: expected Key=Value, got ${JSON.stringify(word)}`)
  }
  return out
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
        'keepalive-routes': { type: 'string' },
        'route-selection-expression': { type: 'string' },
        'idle-timeout': { type: 'string' },
        lifetime: { type: 'string' },
        'integration-timeout': { type: 'string' },
        http: { type: 'string' },
        config: { type: 'string' },
        'code-dir': { type: 'string' },
        python: { type: 'string' },
        'no-tls': { type: 'boolean' },
        'no-watch': { type: 'boolean' },
        'no-inspector': { type: 'boolean' },
        serverless: { type: 'string' },
        template: { type: 'string' },
        'parameter-overrides': { type: 'string', multiple: true },
        dynamodb: { type: 'string' },
        'no-dynamodb': { type: 'boolean' },
        'dynamodb-dir': { type: 'string' },
        'dynamodb-port': { type: 'string' },
        'print-config': { type: 'boolean' },
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
  const ka = v['keepalive-routes']
  if (typeof ka === 'string')
    options.keepaliveRoutes = ka
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
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
  if (typeof v['code-dir'] === 'string') options.codeDir = v['code-dir']
  if (typeof v.python === 'string') options.python = v.python
  if (v['no-tls']) options.tls = false
  if (v['no-watch']) options.watch = false
  if (v['no-inspector']) options.inspector = false
  projectFlags(v, options)
  return {
    help: false,
    config: typeof v.config === 'string' ? v.config : undefined,
    printConfig: v['print-config'] === true,
    options,
  }
}

function projectFlags(v: Record<string, string | string[] | boolean | undefined>, options: DevOptions): void {
  if (typeof v.serverless === 'string' && typeof v.template === 'string')
    throw new UsageError('--serverless and --template: name one project file')
  const file =
    typeof v.serverless === 'string' ? v.serverless : typeof v.template === 'string' ? v.template : undefined
  if (file) {
    if (options.entry)
      throw new UsageError(`an entry and ${v.serverless ? '--serverless' : '--template'}: give one`)
    options.project = { kind: v.serverless ? 'serverless' : 'sam', file: resolve(file) }
  }
  const overrides = v['parameter-overrides']
  if (Array.isArray(overrides)) {
    if (options.project?.kind === 'serverless')
      throw new UsageError('--parameter-overrides is for templates; serverless.yml takes --stage')
    options.parameterOverrides = parseParameterOverrides(overrides)
  }
  if (v['no-dynamodb'] && (v.dynamodb || v['dynamodb-dir'] || v['dynamodb-port']))
    throw new UsageError('--no-dynamodb with another --dynamodb option: pick one')
  if (v['no-dynamodb']) options.dynamodb = false
  else {
    const dynamodb: NonNullable<Exclude<DevOptions['dynamodb'], false>> = {}
    if (typeof v.dynamodb === 'string') {
      if (!/^https?:\/\/[^/]/.test(v.dynamodb))
        throw new UsageError(`--dynamodb: expected an http(s) URL, got ${v.dynamodb}`)
      dynamodb.url = v.dynamodb
    }
    if (typeof v['dynamodb-dir'] === 'string') dynamodb.dir = resolve(v['dynamodb-dir'])
    if (typeof v['dynamodb-port'] === 'string') {
      const port = Number(v['dynamodb-port'])
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--dynamodb-port: invalid port ${v['dynamodb-port']}`)
      dynamodb.port = port
    }
    if (dynamodb.url && (dynamodb.dir || dynamodb.port !== undefined))
      throw new UsageError(
        '--dynamodb <url> names a running server: --dynamodb-dir and --dynamodb-port do not apply',
      )
    if (Object.keys(dynamodb).length > 0) options.dynamodb = dynamodb
  }
}

/** The config file's options under the flags; `--route` adds to the file's routes rather than replacing them. */
export function withConfig(config: DevOptions, flags: DevOptions): DevOptions {
  const options = { ...config, ...flags }
  if (config.routes && flags.routes) options.routes = { ...config.routes, ...flags.routes }
  return options
}
