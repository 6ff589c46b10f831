import { relative } from 'node:path'
import type { DevOptions, Entry } from './dev-options.js'
import { type Dynamo, startDynamo } from './dynamodb/server.js'
import { UsageError } from './errors.js'
import { type Gateway, gatewayLog, gatewayRedirect, startGateway } from './gateway/gateway.js'
import { devLogger } from './log.js'
import type { GatewayOptions, HttpRoute, Integrations, LambdaHandler } from './options.js'
import { httpForGatewayWs } from './project/endpoints.js'
import type { HttpRouteSpec } from './project/source.js'
import type { ProjectResult, ProjectSummary } from './project/types.js'
import { toSpec } from './runtime/entry.js'
import { type EnvHold, holdEnv } from './runtime/env.js'
import { nodeRuntime } from './runtime/node.js'
import { pythonRuntime } from './runtime/python.js'
import type { EntrySpec, LoadedFunctions, Runtime, RuntimeHost } from './runtime/types.js'
import { watchFiles } from './watch.js'

export type { DevOptions, Entry }

// The gateway on handler entries from disk (flags, a config file, or a project file),
// with hot reload: a change to a file of one runtime's entries loads that runtime's
// entries again (a fresh tsx namespace, or new Python workers) and swaps the handlers;
// a change to the project file reads it again; sockets stay open. A Node reload that
// fails keeps the previous handlers; a Python handler that fails to import fails its
// events until the file is fixed, as a Lambda init error does.

export interface DevServer {
  gateway: Gateway
  /** What the project file held, when there was one. */
  project?: ProjectSummary
  /** The DynamoDB the handlers use, when one was started or named. */
  dynamodb?: Pick<Dynamo, 'endpoint' | 'tables' | 'embedded'>
  /** The files being watched. */
  files(): string[]
  /** Loads every entry again; false when that failed (the previous handlers stay). */
  reload(): Promise<boolean>
  close(): Promise<void>
}

type Slot = 'handler' | 'authorizer' | { route: string } | { http: HttpRouteSpec }

interface Planned {
  slot: Slot
  spec: EntrySpec
}

interface Plan {
  entries: Planned[]
  mainServes: string[]
}

function plan(options: DevOptions): Plan {
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
  for (const route of options.httpRoutes ?? []) entries.push({ slot: { http: route }, spec: route.entry })
  if (entries.length === 0)
    throw new UsageError('no entry: socketeer dev <entry>, or an entry or routes in --config')
  if (mainServes.length > 0 && !options.entry)
    throw new UsageError(`route ${mainServes[0]} names no entry and there is no main handler to serve it`)
  return { entries, mainServes }
}

function integrationsOf(p: Plan, handlers: Map<Planned, LambdaHandler>): Integrations {
  const out: Integrations = {}
  const routes: Record<string, LambdaHandler> = {}
  const http: HttpRoute[] = []
  for (const planned of p.entries) {
    const fn = handlers.get(planned)!
    const slot = planned.slot
    if (slot === 'handler') out.handler = fn
    else if (slot === 'authorizer') out.authorizer = fn
    else if ('route' in slot) routes[slot.route] = fn
    else
      http.push({
        method: slot.http.method,
        path: slot.http.path,
        events: slot.http.events,
        handler: fn,
        timeoutMs: planned.spec.timeoutMs,
        functionName: planned.spec.functionName,
        ...(slot.http.cors && { cors: slot.http.cors }),
      })
  }
  for (const key of p.mainServes) routes[key] = out.handler!
  if (Object.keys(routes).length > 0) out.routes = routes
  if (http.length > 0) out.httpRoutes = http
  return out
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

/** What every handler sees besides each function's own env: the project's, and the DynamoDB endpoint. */
function sharedEnv(options: DevOptions, dynamo: Dynamo | undefined): Record<string, string> {
  const env = { ...options.env }
  if (dynamo) env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint
  return env
}

// On unless turned off; copied tests import the App from the main entry's module.
function inspectorFor(options: DevOptions, p: Plan, cwd: string): GatewayOptions['inspector'] {
  if (options.inspector === false) return false
  const own = options.inspector === true || options.inspector === undefined ? {} : options.inspector
  const main = p.entries.find((e) => e.slot === 'handler')?.spec
  if (own.appImport || !main || (main.runtime ?? 'node') !== 'node') return own
  const path = relative(cwd, main.file)
    .replace(/\\/g, '/')
    .replace(/\.(c|m)?tsx?$/, '.$1js')
  return { ...own, appImport: path.startsWith('.') ? path : `./${path}` }
}

export async function startDev(input: DevOptions): Promise<DevServer> {
  let { options, project } = await resolveDevOptions(input)
  let planned = plan(options)
  const cwd = options.cwd ?? process.cwd()
  const sink =
    options.logger === false
      ? undefined
      : (options.logger ?? ((line: string) => process.stdout.write(`${line}\n`)))
  let log = devLogger(sink)
  const runtimes: Runtime[] = [nodeRuntime(), pythonRuntime({ python: options.python })]
  const groupsOf = (p: Plan) =>
    runtimes
      .map((runtime) => ({
        runtime,
        entries: p.entries.filter((e) => (e.spec.runtime ?? 'node') === runtime.name),
      }))
      .filter((g) => g.entries.length > 0)
  type Group = ReturnType<typeof groupsOf>[number]
  let groups = groupsOf(planned)

  // Everything started so far, undone in reverse if a later step fails: no half-started gateway.
  const undo: (() => unknown)[] = []
  const rollback = async () => {
    for (const step of undo.splice(0).reverse()) await Promise.resolve(step()).catch(() => {})
  }
  const current = new Map<Runtime, LoadedFunctions>()
  const handlers = new Map<Planned, LambdaHandler>()
  let dynamo: Dynamo | undefined
  let env: EnvHold | undefined
  let gateway: Gateway
  let host: RuntimeHost
  const loadGroup = async (group: Group) => {
    const previous = current.get(group.runtime)
    const loaded = await group.runtime.load(
      group.entries.map((e) => e.spec),
      host,
      previous?.files,
    )
    for (const [i, p] of group.entries.entries()) handlers.set(p, loaded.handlers[i]!)
    current.set(group.runtime, loaded)
    await previous?.release().catch(() => {})
  }
  const allFiles = () => {
    const files = new Set<string>(project?.files ?? [])
    for (const loaded of current.values()) for (const f of loaded.files) files.add(f)
    return files
  }
  try {
    const wantsDynamo =
      options.dynamodb !== false && (options.tables?.length || options.project || options.dynamodb)
    if (wantsDynamo) {
      dynamo = await startDynamo({ region: options.env?.AWS_REGION, ...(options.dynamodb || {}) })
      const started = dynamo
      undo.push(() => started.close())
    }
    const vars = sharedEnv(options, dynamo)
    if (Object.keys(vars).length > 0) {
      env = holdEnv(vars)
      const held = env
      undo.push(() => held.release())
    }
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
      codeDir: _cd,
      python: _py,
      ...gatewayOptions
    } = options
    // The gateway listens first: handlers load with its endpoint in their environment
    // (an App reads SOCKETEER_MANAGEMENT_ENDPOINT when it is constructed). Until they are
    // loaded, which is before startDev returns, an event fails as an invocation would.
    const loading: LambdaHandler = async () => {
      throw new Error('the handlers are still loading')
    }
    // Undone after the gateway closes (undo runs in reverse): the $disconnect handlers
    // that closing runs still need their modules and workers.
    undo.push(() => Promise.all([...current.values()].map((l) => l.release().catch(() => {}))))
    // Python interpreters start now, beside the gateway; the handlers load once it listens.
    for (const g of groups) {
      const discard = g.runtime.prepare?.(g.entries.map((e) => e.spec))
      if (discard) undo.push(discard)
    }
    gateway = await startGateway({
      ...gatewayOptions,
      inspector: inspectorFor(options, planned, cwd),
      logger: sink ?? false,
      handler: loading,
    })
    const started = gateway
    undo.push(() => started.close())
    // The gateway's own log: the same lines, and the inspector sees the reloads.
    log = gatewayLog(started) ?? log
    host = { env: () => ({ ...started.handlerEnv }), log, redirect: () => gatewayRedirect(started) }
    // The tables are created while the handlers load: both before the first event.
    const [tables, ...loads] = await Promise.allSettled([
      dynamo?.ensure(options.tables ?? []),
      ...groups.map((g) => loadGroup(g)),
    ])
    if (tables.status === 'rejected') throw tables.reason
    for (const l of loads) if (l.status === 'rejected') throw l.reason
    gateway.update(integrationsOf(planned, handlers))
  } catch (error) {
    await rollback()
    throw error
  }

  let running: Promise<boolean> | undefined
  let queued = new Set<Group>()
  let projectChanged = false
  const rereadProject = async (): Promise<void> => {
    projectChanged = false
    const next = await resolveDevOptions(input)
    const restart = (['port', 'httpPort', 'host', 'stage'] as const).filter(
      (k) => next.options[k] !== options[k],
    )
    if (restart.length > 0)
      log({ kind: 'RELOAD', status: 'partial', detail: `${restart.join(', ')} changed: restart to apply` })
    await dynamo?.ensure(next.options.tables ?? [])
    planned = plan(next.options)
    options = next.options
    project = next.project
    groups = groupsOf(planned)
    for (const g of groups) queued.add(g)
    const changed = env ? env.set(sharedEnv(options, dynamo)) : []
    if (changed.length > 0) log({ kind: 'RELOAD', detail: `environment: ${changed.join(', ')} changed` })
  }
  const reloadOnce = async (which: Set<Group>): Promise<boolean> => {
    const started = performance.now()
    try {
      for (const group of which) await loadGroup(group)
      gateway.update(
        integrationsOf(planned, handlers),
        input.project
          ? {
              routeResponses: options.routeResponses,
              routeSelectionExpression: options.routeSelectionExpression,
              authorizerIdentitySource: options.authorizerIdentitySource,
            }
          : undefined,
      )
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
  const reloadGroups = (which: Iterable<Group>): Promise<boolean> => {
    for (const group of which) queued.add(group)
    if (running) return running
    const run = async (): Promise<boolean> => {
      let ok = true
      while (queued.size > 0 || projectChanged) {
        if (projectChanged && input.project) {
          try {
            await rereadProject()
          } catch (error) {
            projectChanged = false
            log({ kind: 'RELOAD', status: 'failed', detail: 'keeping the previous configuration', error })
            ok = false
            continue
          }
        }
        projectChanged = false
        const batch = queued
        queued = new Set()
        if (batch.size > 0) ok = await reloadOnce(batch)
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
          if (project?.files.includes(file)) {
            projectChanged = true
            void reloadGroups([])
            return
          }
          const hit = groups.filter((g) => current.get(g.runtime)?.files.has(file))
          void reloadGroups(hit.length > 0 ? hit : groups)
        })
  watcher?.set(allFiles())

  return {
    gateway,
    project: project?.summary,
    dynamodb: dynamo,
    files: () => [...allFiles()],
    reload: () => reloadGroups(groups),
    async close() {
      watcher?.close()
      await rollback()
    },
  }
}
