import { existsSync } from 'node:fs'
import { extname, isAbsolute, join, resolve } from 'node:path'
import { EntryError } from './errors.js'
import type { EntrySpec } from './types.js'

// An entry as a user writes it, into an EntrySpec:
//   src/app.ts            its `handler` (else the default export, or an App)
//   src/app.ts#connect    another export
//   handlers/onconnect.py its `handler` function; `onconnect.py#on_connect` another
//   onconnect.handler     Lambda's handler string: module path (dots) and function,
//                         found under the code directory (`--code-dir`, default cwd)

const NODE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']

export function runtimeOf(file: string): 'node' | 'python' {
  return extname(file) === '.py' ? 'python' : 'node'
}

/** `module.path.fn` → the file under codeDir that Lambda would import, if one exists. */
function lambdaStyle(spec: string, codeDir: string): EntrySpec | undefined {
  const m = /^([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\.([A-Za-z_$][\w$]*)$/.exec(spec)
  if (!m) return undefined
  const base = join(codeDir, ...m[1]!.split('.'))
  for (const ext of ['.py', ...NODE_EXTENSIONS]) {
    const file = base + ext
    if (existsSync(file)) return { file, exportName: m[2]!, runtime: runtimeOf(file), codeDir }
  }
  return undefined
}

/**
 * Parses one entry. `codeDir` is Lambda's task root: Python's import root (default the
 * handler file's folder, or cwd for the `module.fn` form).
 */
export function parseEntry(spec: string, cwd: string, codeDir?: string): EntrySpec {
  const root = codeDir === undefined ? undefined : resolve(cwd, codeDir)
  const hash = spec.lastIndexOf('#')
  const path = hash > 0 ? spec.slice(0, hash) : spec
  const exportName = hash > 0 ? spec.slice(hash + 1) : undefined
  let file = isAbsolute(path) ? path : resolve(cwd, path)
  if (!existsSync(file) && root !== undefined && !isAbsolute(path) && existsSync(resolve(root, path)))
    file = resolve(root, path)
  if (hash < 0 && !existsSync(file) && !/[\\/]/.test(spec)) {
    const found = lambdaStyle(spec, root ?? cwd)
    if (found) return found
  }
  const out: EntrySpec = { file, runtime: runtimeOf(file) }
  if (exportName) out.exportName = exportName
  if (root !== undefined) out.codeDir = root
  if (out.runtime === 'python' && !existsSync(file)) throw new EntryError(`${spec}: no such file ${file}`)
  return out
}

/** An entry given as a string or already as an EntrySpec (project files, programmatic use). */
export function toSpec(entry: string | EntrySpec, cwd: string, codeDir?: string): EntrySpec {
  if (typeof entry === 'string') return parseEntry(entry, cwd, codeDir)
  const file = isAbsolute(entry.file) ? entry.file : resolve(cwd, entry.file)
  return { ...entry, file, runtime: entry.runtime ?? runtimeOf(file) }
}
