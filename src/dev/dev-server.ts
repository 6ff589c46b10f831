import { relative } from 'node:path'
import { type Gateway, gatewayLog, startGateway } from './gateway/gateway.js'
import { devLogger } from './log.js'
import type { GatewayOptions } from './options.js'
import { type EntryPlan, type EntrySpec, type Loaded, loadEntries, parseEntry } from './runtime/loader.js'
import { watchFiles } from './watch.js'

// The gateway on handler entries from disk, with hot reload: a change to any file the
// entries imported loads them again into a fresh namespace and swaps the handlers;
// sockets stay open. A reload that fails keeps the previous handlers.

export interface DevOptions extends Omit<GatewayOptions, 'handler' | 'routes' | 'authorizer'> {
  /** The main handler's module: `src/app.ts` or `src/app.ts#exportName`. */
  entry?: string
  /** Per-route entries; an empty value means the main handler serves that route key. */
  routes?: Record<string, string | undefined>
  /** The `$connect` authorizer's entry. */
  authorizer?: string
  /** Entries are resolved from here (default process.cwd()). */
  cwd?: string
  /** Hot reload (default true). */
  watch?: boolean
  /** The inspector at `/_socketeer/`: on by default here (`false` turns it off). */
  inspector?: GatewayOptions['inspector']
}

export interface DevServer {
  gateway: Gateway
  /** The files being watched. */
  files(): string[]
  /** Loads the entries again; false when that failed (the previous handlers stay). */
  reload(): Promise<boolean>
  close(): Promise<void>
}

function plan(options: DevOptions): EntryPlan {
  const cwd = options.cwd ?? process.cwd()
  const result: EntryPlan = {}
  if (options.entry) result.handler = parseEntry(options.entry, cwd)
  if (options.authorizer) result.authorizer = parseEntry(options.authorizer, cwd)
  if (options.routes) {
    const routes: Record<string, EntrySpec | undefined> = {}
    for (const [key, spec] of Object.entries(options.routes))
      routes[key] = spec ? parseEntry(spec, cwd) : undefined
    result.routes = routes
  }
  if (!result.handler && !result.routes && !result.authorizer)
    throw new TypeError('socketeer dev needs an entry or routes')
  return result
}

// On unless turned off; copied tests import the App from the entry's module.
function inspectorFor(options: DevOptions, entries: EntryPlan, cwd: string): GatewayOptions['inspector'] {
  if (options.inspector === false) return false
  const own = options.inspector === true || options.inspector === undefined ? {} : options.inspector
  const file = entries.handler?.file
  if (own.appImport || !file) return own
  const path = relative(cwd, file)
    .replace(/\\/g, '/')
    .replace(/\.(c|m)?tsx?$/, '.$1js')
  return { ...own, appImport: path.startsWith('.') ? path : `./${path}` }
}

export async function startDev(options: DevOptions): Promise<DevServer> {
  const entries = plan(options)
  const cwd = options.cwd ?? process.cwd()
  const sink =
    options.logger === false
      ? undefined
      : (options.logger ?? ((line: string) => process.stdout.write(`${line}\n`)))
  let log = devLogger(sink)
  let current: Loaded = await loadEntries(entries)
  const { entry: _e, routes: _r, authorizer: _a, cwd: _c, watch: _w, ...gatewayOptions } = options
  let gateway: Gateway
  try {
    gateway = await startGateway({
      ...gatewayOptions,
      inspector: inspectorFor(options, entries, cwd),
      logger: sink ?? false,
      ...current.integrations,
    })
  } catch (error) {
    await current.release()
    throw error
  }
  // The gateway's own log: the same lines, and the inspector sees the reloads.
  log = gatewayLog(gateway) ?? log

  let running: Promise<boolean> | undefined
  let again = false
  const reloadOnce = async (): Promise<boolean> => {
    const started = performance.now()
    try {
      const next = await loadEntries(entries, current.files)
      gateway.update(next.integrations)
      const previous = current
      current = next
      watcher?.set(current.files)
      await previous.release().catch(() => {})
      const ms = Math.round(performance.now() - started)
      const kept = gateway.connections().length
      log({
        kind: 'RELOAD',
        status: 'ok',
        ms,
        detail: `handlers reloaded; ${kept} connection${kept === 1 ? '' : 's'} kept open`,
      })
      return true
    } catch (error) {
      log({ kind: 'RELOAD', status: 'failed', detail: 'keeping the previous handlers', error })
      return false
    }
  }
  const reload = (): Promise<boolean> => {
    if (running) {
      again = true
      return running
    }
    running = reloadOnce().finally(() => {
      running = undefined
      if (again) {
        again = false
        void reload()
      }
    })
    return running
  }

  const watcher =
    options.watch === false
      ? undefined
      : watchFiles((file) => {
          log({ kind: 'RELOAD', detail: `${relative(cwd, file) || file} changed` })
          void reload()
        })
  watcher?.set(current.files)

  return {
    gateway,
    files: () => [...current.files],
    reload,
    async close() {
      watcher?.close()
      await gateway.close()
      await current.release().catch(() => {})
    },
  }
}
