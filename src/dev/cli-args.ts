import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { DevOptions } from './dev-server.js'
import { UsageError } from './errors.js'
import { MAX_TIMER_MS } from './options.js'

// `socketeer dev <entry> [options]` → DevOptions. Flags override the config file.
// Every flag is one row of FLAGS: its name, its help line and how it sets the options.
// Add a flag by adding a row; the parser and the help text are built from the table.

export { UsageError }

export interface Flag {
  /** `port` for `--port`. */
  name: string
  short?: string
  /** Placeholder of the value in the help (`<n>`); none for a switch. */
  value?: string
  /** May be given more than once (the values arrive as an array). */
  multiple?: boolean
  /** The help text; `\n` continues on the next line, indented. */
  help: string
  /** Sets the options from the flag's value; throws UsageError on a bad one. */
  apply(options: DevOptions, value: string | string[] | boolean): void
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

const text = (v: string | string[] | boolean) => String(v)

export const FLAGS: Flag[] = [
  {
    name: 'port',
    short: 'p',
    value: '<n>',
    help: 'port (default 3001; 0 picks a free one)',
    apply(o, v) {
      const port = Number(v)
      if (text(v).trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port: invalid port ${text(v)} (0 to 65535)`)
      o.port = port
    },
  },
  { name: 'host', value: '<host>', help: 'host (default 127.0.0.1)', apply: (o, v) => (o.host = text(v)) },
  {
    name: 'allowed-host',
    value: '<name[:port]>',
    multiple: true,
    help: 'another name the gateway answers to (repeatable);\nloopback names and the bound address always work',
    apply: (o, v) => (o.allowedHosts = v as string[]),
  },
  { name: 'stage', value: '<name>', help: 'stage (default dev)', apply: (o, v) => (o.stage = text(v)) },
  {
    name: 'base-path',
    value: '<path>',
    help: "the URL path clients connect to instead of /<stage>; '' serves the root\n(a custom domain's root mapping, serverless-offline's ws://localhost:3001)",
    apply: (o, v) => (o.basePath = text(v)),
  },
  {
    name: 'route',
    value: '<key>[=<entry>]',
    multiple: true,
    help: 'a route key and its own entry; without an entry the\nmain handler serves it (repeatable)',
    apply(o, v) {
      o.routes = {}
      for (const r of v as string[]) {
        const eq = r.indexOf('=')
        const key = eq < 0 ? r : r.slice(0, eq)
        if (!key) throw new UsageError(`--route: expected <key>[=<entry>], got ${JSON.stringify(r)}`)
        o.routes[key] = eq < 0 ? undefined : r.slice(eq + 1)
      }
    },
  },
  {
    name: 'authorizer',
    value: '<entry>',
    help: 'the $connect REQUEST authorizer',
    apply: (o, v) => (o.authorizer = text(v)),
  },
  {
    name: 'route-responses',
    value: '<keys|all>',
    help: 'routes whose returned body goes back as a frame',
    apply(o, v) {
      const rr = text(v)
      o.routeResponses =
        rr === 'all' || rr === 'true'
          ? true
          : rr
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean)
    },
  },
  {
    name: 'keepalive-routes',
    value: '<keys>',
    help: 'routes the gateway answers itself, like an AWS MOCK\nintegration (socketeer/client: socketeer.keepalive)',
    apply(o, v) {
      o.keepaliveRoutes = text(v)
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean)
    },
  },
  {
    name: 'route-selection-expression',
    value: '<e>',
    help: 'default $request.body.action',
    apply: (o, v) => (o.routeSelectionExpression = text(v)),
  },
  {
    name: 'idle-timeout',
    value: '<duration>',
    help: 'default 10m (ms, or 30s, 10m, 2h)',
    apply: (o, v) => (o.idleTimeoutMs = parseDuration(text(v), '--idle-timeout')),
  },
  {
    name: 'lifetime',
    value: '<duration>',
    help: 'default 2h',
    apply: (o, v) => (o.lifetimeMs = parseDuration(text(v), '--lifetime')),
  },
  {
    name: 'integration-timeout',
    value: '<duration>',
    help: 'default 29s',
    apply: (o, v) => (o.integrationTimeoutMs = parseDuration(text(v), '--integration-timeout')),
  },
  {
    name: 'http',
    value: '<rest|v2|off>',
    help: 'HTTP routes as REST (V1) or HTTP API (V2) events',
    apply(o, v) {
      if (v !== 'rest' && v !== 'v2' && v !== 'off')
        throw new UsageError(`--http: expected rest, v2 or off, got ${JSON.stringify(v)}`)
      o.http = v === 'off' ? false : v
    },
  },
  {
    name: 'cors',
    help: 'answer CORS preflights on HTTP routes and add CORS headers (any origin)',
    apply: (o) => (o.cors = true),
  },
  {
    name: 'code-dir',
    value: '<dir>',
    help: "Lambda's task root: Python's import root, where a\n`module.fn` entry is found (default: the entry's folder)",
    apply: (o, v) => (o.codeDir = text(v)),
  },
  {
    name: 'python',
    value: '<path>',
    help: "the interpreter for .py entries (default: the active\nvirtualenv's, else python3)",
    apply: (o, v) => (o.python = text(v)),
  },
  {
    name: 'no-tls',
    help: 'plain http only (default: the port speaks https too)',
    apply: (o) => (o.tls = false),
  },
  { name: 'no-watch', help: 'no hot reload', apply: (o) => (o.watch = false) },
  { name: 'no-inspector', help: 'no inspector page at /_socketeer/', apply: (o) => (o.inspector = false) },
  // Project files: these constrain each other, so projectFlags() reads them together.
  {
    name: 'serverless',
    value: '<file>',
    help: 'a serverless.yml (.yaml, .ts, .js, .json) to serve; found in\nthe current folder when no entry is given',
    apply: () => {},
  },
  { name: 'template', value: '<file>', help: 'a SAM or CloudFormation template to serve', apply: () => {} },
  {
    name: 'parameter-overrides',
    value: '<K=V ...>',
    multiple: true,
    help: 'template parameters (repeatable)',
    apply: () => {},
  },
  {
    name: 'dynamodb',
    value: '<url>',
    help: 'use this DynamoDB instead of the embedded one',
    apply: () => {},
  },
  { name: 'no-dynamodb', help: 'no DynamoDB: the tables are not created', apply: () => {} },
  {
    name: 'dynamodb-dir',
    value: '<dir>',
    help: "keep the embedded DynamoDB's data in this folder",
    apply: () => {},
  },
  {
    name: 'dynamodb-port',
    value: '<n>',
    help: "the embedded DynamoDB's port (default 4566; 0 picks one)",
    apply: () => {},
  },
  {
    name: 'dynamodb-ttl-sweep',
    value: '<ms>',
    help: 'how often expired TTL items are deleted (default 5000; 0 never)',
    apply: () => {},
  },
]

/** Switches that are not options of the gateway. */
const GLOBAL_FLAGS: Array<Omit<Flag, 'apply'>> = [
  { name: 'config', value: '<file>', help: 'a JSON or JS/TS config file (same names as the options)' },
  { name: 'print-config', help: 'print the resolved configuration and exit' },
  { name: 'verbose', help: 'stacks with errors' },
  { name: 'version', short: 'v', help: 'the version' },
  { name: 'help', short: 'h', help: 'this help' },
]

function helpLines(flags: Array<Omit<Flag, 'apply'>>): string {
  const lefts = flags.map(
    (f) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`,
  )
  const width = Math.max(...lefts.map((l) => l.length)) + 2
  return flags
    .map((f, i) => {
      const [first, ...more] = f.help.split('\n')
      return [`  ${lefts[i]!.padEnd(width)}${first}`, ...more.map((m) => `  ${' '.repeat(width)}${m}`)].join(
        '\n',
      )
    })
    .join('\n')
}

export function usage(): string {
  return `Usage: socketeer dev [entry] [options]

Runs Lambda handlers behind a local API Gateway WebSocket API, with its
@connections API and HTTP routes on the same port. The entry is a module
(TypeScript or JavaScript) exporting \`handler\` (or a default export, or an App),
or a Python file with a \`handler\` function; \`file.ts#name\` / \`file.py#name\` picks
another; Lambda's \`module.fn\` handler string works too. Changes to the entry's
files reload the handlers without dropping connections. With no entry, a
serverless.yml or SAM template.yaml in the current folder is served.

Options:
${helpLines([...FLAGS, ...GLOBAL_FLAGS])}
`
}

/** The help text (built from the flag table). */
export const USAGE = usage()

export interface ParsedCli {
  help: boolean
  version: boolean
  verbose: boolean
  config?: string
  /** `--print-config`: print the resolved configuration instead of serving it. */
  printConfig?: boolean
  options: DevOptions
}

// The closest known flag, for "did you mean": at most two edits away.
function closest(name: string): string | undefined {
  const names = [...FLAGS, ...GLOBAL_FLAGS].map((f) => f.name)
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of names) {
    const d = distance(name, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]!
}

// Node's own parse errors are long and about positionals; say it the user's way.
function parseError(error: unknown, argv: string[]): UsageError {
  const e = error as { code?: string; message?: string }
  const quoted = /'(?:-\w, )?(-[^' ,]+)/.exec(e.message ?? '')?.[1]
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) {
    const name = quoted.replace(/^-+/, '').split('=')[0]!
    const hint = closest(name)
    return new UsageError(
      `unknown option ${quoted}${hint ? ` (did you mean --${hint}?)` : ''}; socketeer --help lists them`,
    )
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted) {
    const flag = quoted.split(' ')[0]!
    const known = [...FLAGS, ...GLOBAL_FLAGS].find((f) => `--${f.name}` === flag || `-${f.short}` === flag)
    if (known && !known.value) return new UsageError(`${flag} takes no value`)
    return new UsageError(`${flag} needs a value${known?.value ? `: ${flag} ${known.value}` : ''}`)
  }
  return new UsageError(`${(e.message ?? String(error)).split('\n')[0]} (arguments: ${argv.join(' ')})`)
}

export function parseCli(argv: string[]): ParsedCli {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {}
  for (const f of [...FLAGS, ...GLOBAL_FLAGS]) {
    spec[f.name] = { type: f.value ? 'string' : 'boolean' }
    if (f.short) spec[f.name]!.short = f.short
    if (f.multiple) spec[f.name]!.multiple = true
  }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: spec })
  } catch (error) {
    throw parseError(error, argv)
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>
  const verbose = v.verbose === true
  if (v.help) return { help: true, version: false, verbose, options: {} }
  if (v.version) return { help: false, version: true, verbose, options: {} }
  const [command, entry, ...rest] = parsed.positionals
  if (command !== 'dev')
    throw new UsageError(
      command
        ? `unknown command ${JSON.stringify(command)}: the command is socketeer dev <entry>`
        : 'missing command: socketeer dev <entry> (socketeer --help for the options)',
    )
  if (rest.length > 0)
    throw new UsageError(`unexpected arguments: ${rest.join(' ')} (one entry; more routes with --route)`)
  const options: DevOptions = {}
  if (entry) options.entry = entry
  for (const flag of FLAGS) {
    const value = v[flag.name]
    if (value !== undefined) flag.apply(options, value)
  }
  projectFlags(v, options)
  return {
    help: false,
    version: false,
    verbose,
    config: typeof v.config === 'string' ? v.config : undefined,
    printConfig: v['print-config'] === true,
    options,
  }
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

/** The config file's options under the flags; `--route` adds to the file's routes rather than replacing them. */
export function withConfig(config: DevOptions, flags: DevOptions): DevOptions {
  const options = { ...config, ...flags }
  if (config.routes && flags.routes) options.routes = { ...config.routes, ...flags.routes }
  return options
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
  if (v['no-dynamodb'] && (v.dynamodb || v['dynamodb-dir'] || v['dynamodb-port'] || v['dynamodb-ttl-sweep']))
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
    if (typeof v['dynamodb-ttl-sweep'] === 'string') {
      const ms = Number(v['dynamodb-ttl-sweep'])
      if (!Number.isFinite(ms) || ms < 0)
        throw new UsageError(
          `--dynamodb-ttl-sweep: expected ms (0 for never), got ${v['dynamodb-ttl-sweep']}`,
        )
      dynamodb.ttlSweepMs = ms
    }
    if (dynamodb.url && (dynamodb.dir || dynamodb.port !== undefined || dynamodb.ttlSweepMs !== undefined))
      throw new UsageError(
        '--dynamodb <url> names a running server: --dynamodb-dir, --dynamodb-port and --dynamodb-ttl-sweep do not apply',
      )
    if (Object.keys(dynamodb).length > 0) options.dynamodb = dynamodb
  }
}
