import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { tsImport } from 'tsx/esm/api'
import type { DevOptions, Entry } from './dev-server.js'
import { parseEntry } from './runtime/entry.js'

// The config file for `socketeer dev --config`: JSON, or a JS/TS module whose default
// export is the object. Same names as the programmatic options; entry paths are
// relative to the config file.

const KEYS = new Set([
  'entry',
  'routes',
  'authorizer',
  'host',
  'port',
  'stage',
  'routeSelectionExpression',
  'routeResponses',
  'idleTimeoutMs',
  'lifetimeMs',
  'integrationTimeoutMs',
  'http',
  'apiId',
  'sendBufferLimitBytes',
  'dummyCredentials',
  'inProcessManagement',
  'tls',
  'handlerEnv',
  'codeDir',
  'python',
  'allowedHosts',
  'watch',
])

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
  if (path.endsWith('.json')) raw = JSON.parse(await readFile(path, 'utf8'))
  else {
    const mod = await tsImport(pathToFileURL(path).href, pathToFileURL(`${cwd}/`).href)
    raw = mod.default?.default ?? mod.default ?? mod
  }
  if (!raw || typeof raw !== 'object') throw new Error(`${file}: the config must be an object`)
  const config = raw as Record<string, unknown>
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key))
      throw new Error(`${file}: unknown option ${JSON.stringify(key)} (known: ${[...KEYS].join(', ')})`)
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
