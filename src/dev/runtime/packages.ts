import { readFileSync } from 'node:fs'
import Module from 'node:module'
import { dirname, join, sep } from 'node:path'

// Installed packages load as Node loads them, outside the tsx namespace of a load: they
// are JavaScript already, and running every one of their modules through the loader's
// resolve and transform hooks more than doubled their load time (seed 003's `aws-sdk` v2,
// 548 modules: 0.3 s of CPU plain, 0.7 s through the hooks). A require from the user's
// code that resolves into node_modules to a CommonJS file is handed to Node without the
// namespace, so that file and everything it requires skip the hooks; an ES module there
// stays with tsx, which can require it. Packages are then cached once, as in one Lambda
// process, and a reload re-runs only the user's own modules.

type Resolve = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string
const M = Module as unknown as { _resolveFilename: Resolve }

const typeOfDir = new Map<string, boolean>()

/** Whether Node runs this .js/.cjs file as CommonJS (the nearest package.json's "type"). */
function commonJs(file: string): boolean {
  if (file.endsWith('.cjs')) return true
  if (!file.endsWith('.js')) return false
  const seen: string[] = []
  let dir = dirname(file)
  let cjs = true
  for (;;) {
    const known = typeOfDir.get(dir)
    if (known !== undefined) {
      cjs = known
      break
    }
    seen.push(dir)
    try {
      cjs =
        (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string }).type !== 'module'
      break
    } catch {
      // No (readable) package.json here: look further up.
    }
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  for (const d of seen) typeOfDir.set(d, cjs)
  return cjs
}

/** Installs the rule for one tsx namespace; returns what takes it out. */
export function plainPackages(namespace: string): () => void {
  const marker = new URLSearchParams({ namespace }).toString()
  const inner = M._resolveFilename
  let enabled = true
  const outer: Resolve = function (this: unknown, ...args) {
    const resolved = inner.apply(this, args)
    if (!enabled) return resolved
    const q = resolved.indexOf('?')
    if (q < 0 || !resolved.includes(marker, q)) return resolved
    const file = resolved.slice(0, q)
    return file.includes(`${sep}node_modules${sep}`) && commonJs(file) ? file : resolved
  }
  M._resolveFilename = outer
  return () => {
    enabled = false
    if (M._resolveFilename === outer) M._resolveFilename = inner
  }
}
