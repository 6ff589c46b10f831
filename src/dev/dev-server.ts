import { relative } from 'node:path'
import { UsageError } from './errors.js'
import { type Gateway, startGateway } from './gateway/gateway.js'
import { devLogger } from './log.js'
import type { GatewayOptions, Integrations, LambdaHandler } from './options.js'
import { toSpec } from './runtime/entry.js'
import { nodeRuntime } from './runtime/node.js'
import { pythonRuntime } from './runtime/python.js'
import type { EntrySpec, LoadedFunctions, Runtime, RuntimeHost } from './runtime/types.js'
import { watchFiles } from './watch.js'

// The gateway on handler entries from disk, with hot reload: a change to a file of one
// runtime's entries loads that runtime's entries again (a fresh tsx namespace, or new
// Python workers) and swaps the handlers; sockets stay open. A Node reload that fails
// keeps the previous handlers; a Python handler that fails to import fails its events
// until the file is fixed, as a Lambda init error does.

/** An entry: a path (`src/app.ts`, `src/app.ts#name`, `handlers/onconnect.py`), Lambda's `module.fn`, or a spec. */
export type Entry = string | EntrySpec

export interface DevOptions extends Omit<GatewayOptions, 'handler' | 'routes' | 'authorizer'> {
  /** The main handler's entry: `src/app.ts`, `src/app.ts#exportName`, `onconnect.py`, `app.handler`. */
  entry?: Entry
  /** Per-route entries; an empty value means the main handler serves that route key. */
  routes?: Record<string, Entry | undefined>
  /** The `$connect` authorizer's entry. */
  authorizer?: Entry
  /** Entries are resolved from here (default process.cwd()). */
  cwd?: string
  /** Lambda's task root for string entries: Python's import root, where `module.fn` is looked up. */
  codeDir?: string
  /** The Python interpreter (default the active virtualenv's, else python3). */
  python?: string
  /** Hot reload (default true). */
  watch?: boolean
}

export interface DevServer {
  gateway: Gateway
  /** The files being watched. */
  files(): string[]
  /** Loads every entry again; false when that failed (the previous handlers stay). */
  reload(): Promise<boolean>
  close(): Promise<void>
}

type Slot = 'handler' | 'authorizer' | { route: string }

interface Planned {
  slot: Slot
  spec: EntrySpec
}

function plan(options: DevOptions): { entries: Planned[]; mainServes: string[] } {
  const cwd = options.cwd ?? process.cwd()
  const spec = (entry: Entry) => toSpec(entry, cwd, options.codeDir)
  const entries: Planned[] = []
  const mainServes: string[] = []
  if (options.entry) entries.push({ slot: 'handler', spec: spec(options.entry) })
  if (options.authorizer) entries.push({ slot: 'authorizer', spec: spec(options.authorizer) })
  for (const [key, entry] of Object.entries(options.routes ?? {})) {
    if (entry) entries.push({ slot: { route: key }, spec: spec(entry) })
    else mainServes.push(key)
  }
  if (entries.length === 0)
    throw new UsageError('no entry: socketeer dev <entry>, or an entry or routes in --config')
  if (mainServes.length > 0 && !options.entry)
    throw new UsageError(`route ${mainServes[0]} names no entry and there is no main handler to serve it`)
  return { entries, mainServes }
}

function integrationsOf(
  entries: Planned[],
  mainServes: string[],
  handlers: Map<Planned, LambdaHandler>,
): Integrations {
  const out: Integrations = {}
  const routes: Record<string, LambdaHandler> = {}
  for (const planned of entries) {
    const fn = handlers.get(planned)!
    if (planned.slot === 'handler') out.handler = fn
    else if (planned.slot === 'authorizer') out.authorizer = fn
    else routes[planned.slot.route] = fn
  }
  for (const key of mainServes) routes[key] = out.handler!
  if (Object.keys(routes).length > 0) out.routes = routes
  return out
}

export async function startDev(options: DevOptions): Promise<DevServer> {
  const { entries, mainServes } = plan(options)
  const cwd = options.cwd ?? process.cwd()
  const sink =
    options.logger === false
      ? undefined
      : (options.logger ?? ((line: string) => process.stdout.write(`${line}\n`)))
  const log = devLogger(sink)
  const runtimes: Runtime[] = [nodeRuntime(), pythonRuntime({ python: options.python })]
  const groups = runtimes
    .map((runtime) => ({
      runtime,
      entries: entries.filter((e) => (e.spec.runtime ?? 'node') === runtime.name),
    }))
    .filter((g) => g.entries.length > 0)
  const {
    entry: _e,
    routes: _r,
    authorizer: _a,
    cwd: _c,
    watch: _w,
    codeDir: _d,
    python: _p,
    ...gatewayOptions
  } = options
  // The gateway listens first: handlers load with its endpoint in their environment
  // (an App reads SOCKETEER_MANAGEMENT_ENDPOINT when it is constructed). Until they are
  // loaded, which is before startDev returns, an event fails as an invocation would.
  const loading: LambdaHandler = async () => {
    throw new Error('the handlers are still loading')
  }
  const gateway = await startGateway({ ...gatewayOptions, logger: sink ?? false, handler: loading })
  const host: RuntimeHost = { env: () => ({ ...gateway.handlerEnv }), log }
  const current = new Map<Runtime, LoadedFunctions>()
  const handlers = new Map<Planned, LambdaHandler>()
  const loadGroup = async (group: (typeof groups)[number]) => {
    const previous = current.get(group.runtime)
    const loaded = await group.runtime.load(
      group.entries.map((e) => e.spec),
      host,
      previous?.files,
    )
    for (const [i, planned] of group.entries.entries()) handlers.set(planned, loaded.handlers[i]!)
    current.set(group.runtime, loaded)
    await previous?.release().catch(() => {})
  }
  const allFiles = () => {
    const files = new Set<string>()
    for (const loaded of current.values()) for (const f of loaded.files) files.add(f)
    return files
  }
  try {
    for (const group of groups) await loadGroup(group)
    gateway.update(integrationsOf(entries, mainServes, handlers))
  } catch (error) {
    await gateway.close()
    await Promise.all([...current.values()].map((l) => l.release().catch(() => {})))
    throw error
  }

  let running: Promise<boolean> | undefined
  let queued = new Set<(typeof groups)[number]>()
  const reloadOnce = async (which: Set<(typeof groups)[number]>): Promise<boolean> => {
    const started = performance.now()
    try {
      for (const group of which) await loadGroup(group)
      gateway.update(integrationsOf(entries, mainServes, handlers))
      watcher?.set(allFiles())
      const ms = Math.round(performance.now() - started)
      const kept = gateway.connections().length
      const what = [...which].some((g) => g.runtime.name === 'python')
        ? [...which].length > 1
          ? 'handlers reloaded and Python workers restarted'
          : 'Python workers restarted'
        : 'handlers reloaded'
      log({
        kind: 'RELOAD',
        status: 'ok',
        ms,
        detail: `${what}; ${kept} connection${kept === 1 ? '' : 's'} kept open`,
      })
      return true
    } catch (error) {
      log({ kind: 'RELOAD', status: 'failed', detail: 'keeping the previous handlers', error })
      return false
    }
  }
  const reloadGroups = (which: Iterable<(typeof groups)[number]>): Promise<boolean> => {
    for (const group of which) queued.add(group)
    if (running) return running
    const run = async (): Promise<boolean> => {
      let ok = true
      while (queued.size > 0) {
        const batch = queued
        queued = new Set()
        ok = await reloadOnce(batch)
      }
      return ok
    }
    running = run().finally(() => {
      running = undefined
    })
    return running
  }

  const watcher =
    options.watch === false
      ? undefined
      : watchFiles((file) => {
          log({ kind: 'RELOAD', detail: `${relative(cwd, file) || file} changed` })
          const hit = groups.filter((g) => current.get(g.runtime)?.files.has(file))
          void reloadGroups(hit.length > 0 ? hit : groups)
        })
  watcher?.set(allFiles())

  return {
    gateway,
    files: () => [...allFiles()],
    reload: () => reloadGroups(groups),
    async close() {
      watcher?.close()
      await gateway.close()
      await Promise.all([...current.values()].map((l) => l.release().catch(() => {})))
    },
  }
}
