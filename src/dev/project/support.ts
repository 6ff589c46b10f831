import type { RuntimeKind } from './handlers.js'

// Which Lambda runtimes `socketeer dev` runs (Node.js in process, Python in warm workers).
// A function on another runtime is read, listed in the banner as skipped (with the reason), and not served.

export function unsupportedRuntime(kind: RuntimeKind, runtime: unknown): string | undefined {
  if (kind === 'node' || kind === 'python') return undefined
  return `runtime ${String(runtime)} is not run locally (Node.js and Python are)`
}
