import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { importDevPackage } from '../dev-packages.js'
import { EntryLoadError, UsageError } from '../errors.js'
import type { LambdaHandler } from '../options.js'
import { plainPackages } from './packages.js'
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

// Paths as the user typed them: relative to where they ran the command.
function shown(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') ? rel : file
}

function describe(spec: EntrySpec): string {
  return spec.exportName ? `${shown(spec.file)}#${spec.exportName}` : shown(spec.file)
}

// One line for what went wrong while importing the user's module: esbuild's transform
// error names file:line:col; Node's SyntaxError puts the location on its stack's first line.
function loadFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const located = /(\S+:\d+:\d+): ERROR: (.*)/.exec(error.message)
  if (located) return `${shown(located[1]!)}: ${located[2]}`
  const where = /^(?:file:\/\/)?(\/\S+:\d+)$/m.exec(error.stack?.split('\n')[0] ?? '')
  const first = `${error.name}: ${error.message.split('\n')[0]}`
  return where ? `${shown(where[1]!)}: ${first}` : first
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
  const names = [...new Set([...Object.keys(mod), ...Object.keys(cjs)])].filter((n) => n !== 'default')
  const has =
    names.length > 0 ? `; it exports ${names.join(', ')} (pick one with ${shown(spec.file)}#name)` : ''
  throw new UsageError(
    `${describe(spec)} has no Lambda handler: expected ${wanted} that is a function or an App${has}`,
  )
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
  // Unique within the process, and the same from one start to the next: tsx's disk cache
  // of compiled files keys on the URL with its namespace, so a start reuses the last
  // one's output instead of starting esbuild (about 0.3 s).
  const namespace = `socketeer-dev-${++loads}`
  // TypeScript in a package without "type": "module" compiles to CommonJS, whose
  // requires go through tsx's CommonJS hooks: register both, in one namespace.
  const [{ register: registerCjs }, { register }] = await Promise.all([
    importDevPackage('tsx', () => import('tsx/cjs/api')),
    importDevPackage('tsx', () => import('tsx/esm/api')),
  ])
  const cjs = registerCjs({ namespace })
  const unplain = plainPackages(namespace)
  // The ESM hooks only when an entry needs them: registering starts a loader thread and
  // waits for it (about 0.2 s), which a CommonJS project does not need.
  const registerEsm = () =>
    register({
      namespace,
      onImport: (url: string) => {
        if (url.startsWith('file:')) add(fileURLToPath(url.split('?')[0]!))
      },
    })
  let api: ReturnType<typeof registerEsm> | undefined
  const esm = () => (api ??= registerEsm())
  const cache = moduleCache()
  // CommonJS modules are cached by path alone: forget the previous load's, so they run again.
  const stale = new Set(previous)
  for (const key of Object.keys(cache)) if (stale.has(key.split('?')[0]!)) delete cache[key]
  const before = new Set(Object.keys(cache))
  const release = async () => {
    unplain()
    cjs.unregister()
    await api?.unregister()
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
        return esm().import(pathToFileURL(file).href, parent) as Promise<Record<string, unknown>>
      }
    }
    const load = async (spec: EntrySpec): Promise<LambdaHandler> => {
      let mod = modules.get(spec.file)
      if (!mod) {
        if (!existsSync(spec.file)) throw new UsageError(`cannot find ${shown(spec.file)} (no such file)`)
        mod = isCommonJs(spec.file)
          ? requireOrImport(spec.file)
          : (esm().import(pathToFileURL(spec.file).href, parent) as Promise<Record<string, unknown>>)
        modules.set(spec.file, mod)
      }
      files.add(spec.file)
      let loaded: Record<string, unknown>
      try {
        loaded = await mod
      } catch (error) {
        // The CommonJS files it reached are in the require cache only (see below).
        for (const key of Object.keys(cache)) if (!before.has(key) && isAbsolute(key)) add(key.split('?')[0]!)
        throw new EntryLoadError(`${shown(spec.file)} failed to load: ${loadFailure(error)}`, [...files], {
          cause: error,
        })
      }
      return pickHandler(loaded, spec)
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
