import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { register as registerCjs } from 'tsx/cjs/api'
import { register } from 'tsx/esm/api'
import type { LambdaHandler } from '../options.js'
import type { EntrySpec } from './types.js'

// Loading handler entries (TypeScript or JavaScript) with tsx. Every load is a fresh
// tsx namespace, so a reload re-evaluates the user's modules instead of reusing cached
// ones; entries of one load share a namespace, so two routes in one file share state.

export type { EntrySpec }

export interface Loaded {
  /** One handler per spec, in order. */
  handlers: LambdaHandler[]
  /** Every local source file the entries imported (what hot reload watches). */
  files: Set<string>
  /** Releases the tsx namespace (after the next load replaced this one). */
  release(): Promise<void>
}

function describe(spec: EntrySpec): string {
  return spec.exportName ? `${spec.file}#${spec.exportName}` : spec.file
}

function pickHandler(mod: Record<string, unknown>, spec: EntrySpec): LambdaHandler {
  // A CommonJS module imported from ESM arrives as `default` = module.exports.
  const cjs = (mod.default ?? {}) as Record<string, unknown>
  const candidates = spec.exportName
    ? [mod[spec.exportName], cjs[spec.exportName]]
    : [mod.handler, cjs.handler, mod.default, cjs.default]
  for (const value of candidates) {
    if (typeof value === 'function') return value as LambdaHandler
    // An App instance (or a CommonJS module object) carries the handler as a property.
    const inner = (value as { handler?: unknown } | null | undefined)?.handler
    if (typeof inner === 'function') return inner as LambdaHandler
  }
  const wanted = spec.exportName
    ? `an export named ${spec.exportName}`
    : 'a `handler` export (or a default export)'
  throw new Error(`${describe(spec)} has no Lambda handler: expected ${wanted} that is a function or an App`)
}

let loads = 0

/** Whether Node runs this file as CommonJS: by extension, else the nearest package.json's "type". */
export function isCommonJs(file: string): boolean {
  if (/\.(cts|cjs)$/.test(file)) return true
  if (/\.(mts|mjs)$/.test(file)) return false
  let dir = dirname(file)
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string }
      return pkg.type !== 'module'
    } catch {
      // No (readable) package.json here: look further up.
    }
    const up = dirname(dir)
    if (up === dir) return true
    dir = up
  }
}

function moduleCache(): Record<string, unknown> {
  return createRequire(pathToFileURL(`${process.cwd()}/`).href).cache
}

export async function loadEntries(specs: EntrySpec[], previous: Iterable<string> = []): Promise<Loaded> {
  const files = new Set<string>()
  const add = (path: string) => {
    if (!path.includes('/node_modules/')) files.add(path)
  }
  // Stack traces in the user's TypeScript lines: tsx inlines the source maps.
  process.setSourceMapsEnabled(true)
  const namespace = `socketeer-dev-${process.pid}-${++loads}`
  // TypeScript in a package without "type": "module" compiles to CommonJS, whose
  // requires go through tsx's CommonJS hooks: register both, in one namespace.
  const cjs = registerCjs({ namespace })
  const api = register({
    namespace,
    onImport: (url: string) => {
      if (url.startsWith('file:')) add(fileURLToPath(url.split('?')[0]!))
    },
  })
  const cache = moduleCache()
  // CommonJS modules are cached by path alone: forget the previous load's, so they run again.
  const stale = new Set(previous)
  for (const key of Object.keys(cache)) if (stale.has(key.split('?')[0]!)) delete cache[key]
  const before = new Set(Object.keys(cache))
  const release = async () => {
    cjs.unregister()
    await api.unregister()
  }
  try {
    // Entries are absolute file URLs; the parent only has to be a valid URL.
    const parent = pathToFileURL(`${process.cwd()}/`).href
    const modules = new Map<string, Promise<Record<string, unknown>>>()
    // A CommonJS module imported through the ESM loader becomes a data: URL module, and
    // its stack traces name that URL: require it instead, so they name the file and line
    // (source-mapped). ESM-only code in it falls back to the import.
    const requireOrImport = async (file: string): Promise<Record<string, unknown>> => {
      try {
        const exports = cjs.require(file, parent)
        return { default: exports, ...(typeof exports === 'object' && exports !== null ? exports : {}) }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error
        return api.import(pathToFileURL(file).href, parent) as Promise<Record<string, unknown>>
      }
    }
    const load = async (spec: EntrySpec): Promise<LambdaHandler> => {
      let mod = modules.get(spec.file)
      if (!mod) {
        mod = isCommonJs(spec.file)
          ? requireOrImport(spec.file)
          : (api.import(pathToFileURL(spec.file).href, parent) as Promise<Record<string, unknown>>)
        modules.set(spec.file, mod)
      }
      files.add(spec.file)
      return pickHandler(await mod, spec)
    }
    const handlers: LambdaHandler[] = []
    for (const spec of specs) handlers.push(await load(spec))
    // CommonJS requires are not reported by onImport; they are in the require cache.
    for (const key of Object.keys(cache)) if (!before.has(key) && isAbsolute(key)) add(key.split('?')[0]!)
    return { handlers, files, release }
  } catch (error) {
    await release().catch(() => {})
    throw error
  }
}
