import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { FLAGS, GLOBAL_FLAGS } from './cli-flags.js'
import type { DevOptions } from './dev-server.js'
import { UsageError } from './errors.js'

// `socketeer dev <entry> [options]` → DevOptions, parsed by the flag table in
// cli-flags.ts. Flags override the config file.

export { UsageError }

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
    parsed = parseArgs({ args: overridesAsOne(argv), allowPositionals: true, strict: true, options: spec })
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

/**
 * `--parameter-overrides A=1 B=2`, as `sam local` and the AWS CLI take it: the Key=Value
 * words after the flag are its one value, not positionals.
 */
function overridesAsOne(argv: string[]): string[] {
  // Key=Value, but not a handler file (`app=1.ts`), an option or what follows `--`.
  const isOverride = (word: string) => /^[^-=][^=]*=/.test(word) && !/\.(m|c)?[jt]s$|\.py$/.test(word)
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (word === '--') {
      out.push(...argv.slice(i))
      break
    }
    const inline = word.startsWith('--parameter-overrides=')
    if (word !== '--parameter-overrides' && !inline) {
      out.push(word)
      continue
    }
    const words = inline ? [word.slice('--parameter-overrides='.length)] : []
    while (i + 1 < argv.length && isOverride(argv[i + 1]!)) words.push(argv[++i]!)
    out.push('--parameter-overrides')
    if (words.length > 0) out.push(words.join(' '))
  }
  return out
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
