import type { RuntimeKind } from './handlers.js'

// Which Lambda runtimes `socketeer dev` runs. A function on another runtime is read,
// listed in the banner as skipped (with this reason), and not served.

export function unsupportedRuntime(kind: RuntimeKind, runtime: unknown): string | undefined {
  if (kind === 'node') return undefined
  if (kind === 'python')
    return `runtime ${String(runtime)}: Python handlers are not run by this version of socketeer dev yet`
  return `runtime ${String(runtime)} is not run locally (Node.js and Python are)`
}
