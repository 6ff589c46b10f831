import { relative } from 'node:path'
import type { DevOptions } from './dev-options.js'
import { type Dynamo, startDynamo } from './dynamodb/server.js'
import { type EnvHold, holdEnv } from './env.js'
import { type Gateway, startGateway } from './gateway/gateway.js'
import { devLogger } from './log.js'
import { httpForGatewayWs } from './project/endpoints.js'
import type { ProjectResult, ProjectSummary } from './project/types.js'

export type { DevOptions }

import { type EntryPlan, type EntrySpec, type Loaded, loadEntries, parseEntry } from './runtime/loader.js'
import { watchFiles } from './watch.js'

// The gateway on handler entries from disk, with hot reload: a change to any file the
// entries imported (or to the project file they came from) loads them again into a fresh
// namespace and swaps the handlers; sockets stay open. A reload that fails keeps the
// previous handlers.

export interface DevServer {
  gateway: Gateway
  /** What the project file held, when there was one. */
  project?: ProjectSummary
  /** The DynamoDB the handlers use, when one was started or named. */
  dynamodb?: Pick<Dynamo, 'endpoint' | 'tables' | 'embedded'>
  /** The files being watched. */
  files(): string[]
  /** Loads the entries again; false when that failed (the previous handlers stay). */
  reload(): Promise<boolean>
  close(): Promise<void>
}

const asSpec = (spec: string | EntrySpec, cwd: string): EntrySpec =>
  typeof spec === 'string' ? parseEntry(spec, cwd) : spec

function plan(options: DevOptions): EntryPlan {
  const cwd = options.cwd ?? process.cwd()
  const result: EntryPlan = {}
  if (options.entry) result.handler = parseEntry(options.entry, cwd)
  if (options.authorizer) result.authorizer = asSpec(options.authorizer, cwd)
  if (options.routes) {
    const routes: Record<string, EntrySpec | undefined> = {}
    for (const [key, spec] of Object.entries(options.routes))
      routes[key] = spec ? asSpec(spec, cwd) : undefined
    result.routes = routes
  }
  if (options.httpRoutes?.length) result.httpRoutes = options.httpRoutes
  if (!result.handler && !result.routes && !result.authorizer && !result.httpRoutes)
    throw new TypeError('socketeer dev needs an entry or routes')
  return result
}

/** The project file's options under the caller's (flags win); routes merge, flags' on top. */
export function withProject(project: DevOptions, options: DevOptions): DevOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const merged: DevOptions = { ...project, ...defined }
  if (project.routes && options.routes) merged.routes = { ...project.routes, ...options.routes }
  if (project.env || options.env) merged.env = { ...project.env, ...options.env }
  return merged
}

/** The options a project file gives, merged under the caller's (what `--print-config` shows). */
export async function resolveDevOptions(
  options: DevOptions,
): Promise<{ options: DevOptions; project?: ProjectResult }> {
  if (!options.project) return { options }
  // Loaded on demand: its YAML parser is an optional peer dependency.
  const { readProject } = await import('./project/detect.js')
  const project = await readProject({
    ...options.project,
    stage: options.project.stage ?? options.stage,
    parameterOverrides: options.project.parameterOverrides ?? options.parameterOverrides,
  })
  const merged = withProject(project.options, options)
  return { options: httpForGatewayWs(merged, project.summary.file, project.summary.notes), project }
}

/**
 * Each function's own environment, for Node handlers that share this process. Until the
 * runtimes apply EntrySpec.env per invocation, the functions' variables are merged here:
 * the first function to set a name wins, and a different value elsewhere is logged.
 */
function functionEnv(options: DevOptions, log: (line: string) => void): Record<string, string> {
  const out: Record<string, string> = {}
  const specs = [
    ...Object.values(options.routes ?? {}),
    options.authorizer,
    ...(options.httpRoutes ?? []).map((r) => r.entry),
  ].filter((s): s is EntrySpec => !!s && typeof s === 'object')
  for (const spec of specs) {
    for (const [name, value] of Object.entries(spec.env ?? {})) {
      if (!Object.hasOwn(out, name)) out[name] = value
      else if (out[name] !== value)
        log(
          `${name} differs between functions; in-process handlers share one environment: ${JSON.stringify(out[name])} is kept`,
        )
    }
  }
  return out
}

/** Environment the handlers get: the functions', the project's, and the DynamoDB endpoint. */
function handlerEnv(
  options: DevOptions,
  dynamo: Dynamo | undefined,
  log: (line: string) => void = () => {},
): Record<string, string> {
  const env = { ...options.env, ...functionEnv(options, log) }
  if (dynamo) env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint
  return env
}

export async function startDev(input: DevOptions): Promise<DevServer> {
  let { options, project } = await resolveDevOptions(input)
  let entries = plan(options)
  const cwd = options.cwd ?? process.cwd()
  const sink =
    options.logger === false
      ? undefined
      : (options.logger ?? ((line: string) => process.stdout.write(`${line}\n`)))
  const log = devLogger(sink)
  // Everything started so far, undone in reverse if a later step fails: no half-started gateway.
  const undo: (() => unknown)[] = []
  const rollback = async () => {
    for (const step of undo.splice(0).reverse()) await Promise.resolve(step()).catch(() => {})
  }
  let dynamo: Dynamo | undefined
  let env: EnvHold | undefined
  let current: Loaded
  let gateway: Gateway
  try {
    const wantsDynamo =
      options.dynamodb !== false && (options.tables?.length || options.project || options.dynamodb)
    if (wantsDynamo) {
      dynamo = await startDynamo({ region: options.env?.AWS_REGION, ...(options.dynamodb || {}) })
      const started = dynamo
      undo.push(() => started.close())
    }
    const vars = handlerEnv(options, dynamo, (detail) => log({ kind: 'GATEWAY', detail }))
    if (Object.keys(vars).length > 0) {
      env = holdEnv(vars)
      const held = env
      undo.push(() => held.release())
    }
    // The tables are created while the handlers load: both before the first event.
    const [tables, loaded] = await Promise.allSettled([
      dynamo?.ensure(options.tables ?? []),
      loadEntries(entries),
    ])
    if (loaded.status === 'fulfilled') {
      const value = loaded.value
      undo.push(() => value.release())
    }
    if (tables.status === 'rejected') throw tables.reason
    if (loaded.status === 'rejected') throw loaded.reason
    current = loaded.value
    const {
      entry: _e,
      routes: _r,
      authorizer: _a,
      httpRoutes: _h,
      tables: _t,
      env: _v,
      dynamodb: _d,
      project: _p,
      parameterOverrides: _o,
      cwd: _c,
      watch: _w,
      ...gatewayOptions
    } = options
    gateway = await startGateway({ ...gatewayOptions, logger: sink ?? false, ...current.integrations })
  } catch (error) {
    await rollback()
    throw error
  }
  const projectFiles = () => project?.files ?? []

  let running: Promise<boolean> | undefined
  let again = false
  let projectChanged = false
  const reloadOnce = async (): Promise<boolean> => {
    const started = performance.now()
    try {
      if (projectChanged && input.project) {
        projectChanged = false
        const next = await resolveDevOptions(input)
        const restart = (['port', 'host', 'stage'] as const).filter((k) => next.options[k] !== options[k])
        if (restart.length > 0)
          log({
            kind: 'RELOAD',
            status: 'partial',
            detail: `${restart.join(', ')} changed: restart to apply`,
          })
        await dynamo?.ensure(next.options.tables ?? [])
        entries = plan(next.options)
        options = next.options
        project = next.project
        const changed = env ? env.set(handlerEnv(options, dynamo)) : []
        if (changed.length > 0) log({ kind: 'RELOAD', detail: `environment: ${changed.join(', ')} changed` })
      }
      const next = await loadEntries(entries, current.files)
      gateway.update(
        next.integrations,
        input.project
          ? {
              routeResponses: options.routeResponses,
              routeSelectionExpression: options.routeSelectionExpression,
              authorizerIdentitySource: options.authorizerIdentitySource,
            }
          : undefined,
      )
      const previous = current
      current = next
      watcher?.set([...current.files, ...projectFiles()])
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
          if (projectFiles().includes(file)) projectChanged = true
          log({ kind: 'RELOAD', detail: `${relative(cwd, file) || file} changed` })
          void reload()
        })
  watcher?.set([...current.files, ...projectFiles()])

  return {
    gateway,
    project: project?.summary,
    dynamodb: dynamo,
    files: () => [...current.files, ...projectFiles()],
    reload,
    async close() {
      watcher?.close()
      await gateway.close()
      await rollback()
    },
  }
}
