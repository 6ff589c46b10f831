import type { DevOptions } from './dev-server.js'
import { UsageError } from './errors.js'
import { MAX_TIMER_MS } from './options.js'

// Every flag of `socketeer dev` is one row of FLAGS: its name, its help line and how it
// sets the options. Add a flag by adding a row; the parser (cli-args.ts) and the help
// text (cli-help.ts) are built from the table.

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
  {
    name: 'http-port',
    value: '<n>',
    help: "the HTTP routes on this port too (serverless-offline's httpPort;\ncustom.serverless-offline.httpPort sets it)",
    apply(o, v) {
      const port = Number(v)
      if (text(v).trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--http-port: invalid port ${text(v)} (0 to 65535)`)
      o.httpPort = port
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
  // Project files: these constrain each other, so projectFlags() (cli-args.ts) reads them together.
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
export const GLOBAL_FLAGS: Array<Omit<Flag, 'apply'>> = [
  { name: 'config', value: '<file>', help: 'a JSON or JS/TS config file (same names as the options)' },
  { name: 'print-config', help: 'print the resolved configuration and exit' },
  { name: 'verbose', help: 'stacks with errors' },
  { name: 'version', short: 'v', help: 'the version' },
  { name: 'help', short: 'h', help: 'this help' },
]
