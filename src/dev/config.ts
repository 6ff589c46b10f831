import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { importDevPackage } from './dev-packages.js'
import type { DevOptions, Entry } from './dev-server.js'
import { UsageError } from './errors.js'
import { parseEntry } from './runtime/entry.js'

// The config file for `socketeer dev --config`: JSON, or a JS/TS module whose default
// export is the object. Same names as the programmatic options; entry paths are
// relative to the config file.

// Each known key and the kind of value it takes, so a wrong one is a one-line message
// rather than a TypeError from deep inside the gateway.
type Kind =
  | 'string'
  | 'entry'
  | 'number'
  | 'boolean'
  | 'routes'
  | 'string[]'
  | 'string[]|boolean'
  | 'object|boolean'
  | 'http'
const KEYS: Record<string, Kind> = {
  entry: 'entry',
  routes: 'routes',
  authorizer: 'entry',
  host: 'string',
  port: 'number',
  stage: 'string',
  basePath: 'string',
  cors: 'object|boolean',
  routeSelectionExpression: 'string',
  routeResponses: 'string[]|boolean',
  keepaliveRoutes: 'string[]',
  idleTimeoutMs: 'number',
  lifetimeMs: 'number',
  integrationTimeoutMs: 'number',
  http: 'http',
  apiId: 'string',
  sendBufferLimitBytes: 'number',
  dummyCredentials: 'boolean',
  inProcessManagement: 'boolean',
  tls: 'boolean',
  handlerEnv: 'boolean',
  codeDir: 'string',
  python: 'string',
  allowedHosts: 'string[]',
  watch: 'boolean',
}

// An entry is a path string or an EntrySpec object (`{ file, exportName?, runtime?, ... }`).
function isEntry(value: unknown): boolean {
  if (typeof value === 'string') return true
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { file?: unknown }).file === 'string'
  )
}

function fits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'entry':
      return isEntry(value)
    case 'routes':
      return (
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => v === undefined || v === null || v === '' || isEntry(v))
      )
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
    case 'string[]|boolean':
      return typeof value === 'boolean' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    case 'object|boolean':
      return (
        typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value))
      )
    case 'http':
      return value === 'rest' || value === 'v2' || value === false
    default:
      return typeof value === kind
  }
}

const EXPECTED: Record<Kind, string> = {
  string: 'a string',
  entry: 'a path (file.ts, file.ts#name, file.py, module.fn) or an object with a file',
  number: 'a number',
  boolean: 'true or false',
  routes: 'an object of route key to entry (a path or an object with a file, or "")',
  'string[]': 'a list of strings',
  'string[]|boolean': 'a list of route keys, or true',
  'object|boolean': 'true, or an object of options',
  http: '"rest", "v2" or false',
}

function absoluteEntry(spec: Entry, base: string, codeDir: string | undefined): Entry {
  if (typeof spec !== 'string') {
    const out = { ...spec, file: isAbsolute(spec.file) ? spec.file : resolve(base, spec.file) }
    if (spec.codeDir) out.codeDir = resolve(base, spec.codeDir)
    return out
  }
  // Lambda's `module.fn` form: looked up under codeDir, else the config file's folder.
  if (!/[\\/]/.test(spec) && !/\.(py|[cm]?[jt]s)(#|$)/.test(spec))
    return parseEntry(spec, base, codeDir ?? base)
  const hash = spec.lastIndexOf('#')
  const file = hash > 0 ? spec.slice(0, hash) : spec
  const rest = hash > 0 ? spec.slice(hash) : ''
  return (isAbsolute(file) ? file : resolve(base, file)) + rest
}

export async function loadConfig(file: string, cwd = process.cwd()): Promise<DevOptions> {
  const path = resolve(cwd, file)
  let raw: unknown
  if (!existsSync(path)) throw new UsageError(`cannot find the config file ${file}`)
  if (path.endsWith('.json')) {
    try {
      raw = JSON.parse(await readFile(path, 'utf8'))
    } catch (error) {
      throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`)
    }
  } else {
    const { tsImport } = await importDevPackage('tsx', () => import('tsx/esm/api'))
    const mod = await tsImport(pathToFileURL(path).href, pathToFileURL(`${cwd}/`).href)
    raw = mod.default?.default ?? mod.default ?? mod
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`${file}: the config must be an object`)
  const config = raw as Record<string, unknown>
  for (const [key, value] of Object.entries(config)) {
    const kind = KEYS[key]
    if (!kind || !Object.hasOwn(KEYS, key))
      throw new UsageError(
        `${file}: unknown option ${JSON.stringify(key)} (known: ${Object.keys(KEYS).join(', ')})`,
      )
    if (value !== undefined && !fits(kind, value))
      throw new UsageError(`${file}: ${key} must be ${EXPECTED[kind]}, got ${JSON.stringify(value)}`)
  }
  const base = dirname(path)
  const options = { ...config } as DevOptions
  if (typeof options.codeDir === 'string') options.codeDir = resolve(base, options.codeDir)
  const absolute = (spec: Entry) => absoluteEntry(spec, base, options.codeDir)
  if (options.entry) options.entry = absolute(options.entry)
  if (options.authorizer) options.authorizer = absolute(options.authorizer)

  if (options.routes) {
    const routes: Record<string, Entry | undefined> = {}
    for (const [key, spec] of Object.entries(options.routes)) routes[key] = spec ? absolute(spec) : undefined
    options.routes = routes
  }
  return options
}
