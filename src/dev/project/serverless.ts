import { basename, dirname } from 'node:path'
import type { DevOptions } from '../dev-options.js'
import type { TableSpec } from '../dynamodb/tables.js'
import type { EntrySpec } from '../runtime/types.js'
import { environment, type Resource, tablesOf, templateEvaluator } from './cfn.js'
import { applyHttpApiCors, applyRestCors } from './cors.js'
import { ProjectFileError, type ProjectNote, type Where } from './errors.js'
import { locateHandler, runtimeKind } from './handlers.js'
import { unsupportedRuntime } from './support.js'
import type { HttpRouteSpec, ProjectReader, ProjectResult, ProjectSource } from './types.js'
import { VariableResolver } from './variables.js'
import type { ParsedFile } from './yaml.js'

// serverless.yml (Framework v3 and v4): functions with websocket, http and httpApi events,
// the provider's and each function's environment, `resources` (tables), and the
// serverless-offline settings people already have (websocketPort, httpPort, host).

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value)
}

const FILE = /^serverless\.(ya?ml|json|ts|js|cjs|mjs)$/

/** `POST broadcast/comments` or `{ method, path }` → [METHOD, /path]. */
function httpEvent(value: unknown, httpApi: boolean): [string, string] | undefined {
  let method: unknown
  let path: unknown
  if (typeof value === 'string') {
    if (httpApi && value.trim() === '*') return ['ANY', '/{proxy+}']
    ;[method, path] = value.trim().split(/\s+/)
  } else if (isRecord(value)) {
    method = value.method ?? (httpApi ? '*' : undefined)
    path = value.path ?? (httpApi ? '*' : undefined)
  }
  if (typeof method !== 'string' || typeof path !== 'string') return undefined
  const m = method === '*' || method.toLowerCase() === 'any' ? 'ANY' : method.toUpperCase()
  if (path === '*') return [m, '/{proxy+}']
  return [m, `/${path.replace(/^\/+/, '')}`]
}

export const serverlessReader: ProjectReader = {
  kind: 'serverless',
  accepts: (file, content) =>
    FILE.test(basename(file)) || (isRecord(content) && 'service' in content && 'functions' in content),
  async read(source: ProjectSource, parsed: ParsedFile): Promise<ProjectResult> {
    const { file, lines } = parsed
    const root = parsed.value
    if (!isRecord(root)) throw new ProjectFileError({ file, line: 1 }, 'expected a mapping at the top')
    const notes: ProjectNote[] = []
    const vars = new VariableResolver(root, {
      file,
      lines,
      stage: source.stage,
      options: {},
      env: source.env ?? process.env,
      notes,
    })
    const at = (holder: unknown, key?: string | number): Where => ({ file, line: lines.of(holder, key) })
    const stage = vars.stage()
    const region = vars.region()
    const service = String(vars.resolve(root.service, root, 'service') ?? basename(dirname(file)))
    const provider = isRecord(root.provider) ? root.provider : {}
    const custom = isRecord(root.custom) ? root.custom : {}
    const serviceDir = dirname(file)

    // resources.Resources: tables, and what `Ref` to a resource gives (a table's name).
    const resourcesRoot = isRecord(root.resources) ? root.resources : {}
    const rawResources = isRecord(resourcesRoot.Resources) ? resourcesRoot.Resources : {}
    const resources = vars.resolve(rawResources, resourcesRoot, 'Resources') as Record<string, Resource>
    const template = {
      file,
      lines,
      resources,
      parameters: {},
      region,
      stackName: `${service}-${stage}`,
      notes,
    }
    const cfn = templateEvaluator(template)
    const tables: TableSpec[] = tablesOf(template, cfn)

    const providerEnv = environment(cfn.value(vars.resolve(provider.environment, provider, 'environment')))
    const providerTimeout = Number(vars.resolve(provider.timeout, provider, 'timeout') ?? 6)
    const providerMemory = Number(vars.resolve(provider.memorySize, provider, 'memorySize') ?? 1024)
    const providerRuntime = vars.resolve(provider.runtime, provider, 'runtime')

    const routes: Record<string, EntrySpec> = {}
    const routeResponses: string[] = []
    const httpRoutes: HttpRouteSpec[] = []
    const restCors: { route: HttpRouteSpec; cors: unknown }[] = []
    const summary: ProjectResult['summary'] = {
      kind: 'serverless',
      file,
      stage,
      routes: [],
      http: [],
      tables: [],
      notes,
    }
    let authorizer: EntrySpec | undefined
    let identitySource: string[] | undefined
    const functions = isRecord(root.functions) ? root.functions : {}
    const entries = new Map<string, EntrySpec | undefined>()
    const entryOf = (name: string, holder: unknown, key: string | number): EntrySpec | undefined => {
      if (entries.has(name)) return entries.get(name)
      const raw = functions[name]
      if (!isRecord(raw))
        throw new ProjectFileError(at(holder, key), `no function named ${name} under functions`)
      const fn = vars.resolve(raw, functions, name) as Record<string, unknown>
      const runtime = fn.runtime ?? providerRuntime
      const kind = runtimeKind(runtime)
      const skip = unsupportedRuntime(kind, runtime ?? 'nodejs')
      if (skip) {
        notes.push({ where: at(functions, name), message: `function ${name}: ${skip}` })
        entries.set(name, undefined)
        return undefined
      }
      if (typeof fn.handler !== 'string')
        throw new ProjectFileError(at(raw), `function ${name} has no handler`)
      const located = locateHandler({
        handler: fn.handler,
        runtime: kind,
        codeDir: serviceDir,
        where: at(raw, 'handler'),
      })
      const env = environment(cfn.value(fn.environment))
      const timeout = Number(fn.timeout ?? providerTimeout)
      const memory = Number(fn.memorySize ?? providerMemory)
      const entry: EntrySpec = {
        ...located,
        codeDir: serviceDir,
        functionName: typeof fn.name === 'string' ? fn.name : `${service}-${stage}-${name}`,
        timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 6000,
        memoryMb: Number.isInteger(memory) && memory > 0 ? memory : 1024,
      }
      if (Object.keys(env).length > 0) entry.env = env
      entries.set(name, entry)
      return entry
    }

    for (const [name, rawFn] of Object.entries(functions)) {
      if (!isRecord(rawFn))
        throw new ProjectFileError(at(functions, name), `function ${name} must be a mapping`)
      const events = Array.isArray(rawFn.events) ? rawFn.events : []
      for (const rawEvent of events) {
        if (!isRecord(rawEvent)) continue
        const event = vars.resolve(rawEvent, events, events.indexOf(rawEvent)) as Record<string, unknown>
        const type = Object.keys(event)[0]!
        const body = event[type]
        if (type === 'websocket') {
          const route = typeof body === 'string' ? body : isRecord(body) ? body.route : undefined
          if (typeof route !== 'string')
            throw new ProjectFileError(at(rawEvent), `function ${name}: websocket event without a route`)
          const entry = entryOf(name, functions, name)
          if (!entry) continue
          routes[route] = entry
          summary.routes.push({ key: route, functionName: name })
          if (isRecord(body) && body.routeResponseSelectionExpression === '$default')
            routeResponses.push(route)
          const auth = isRecord(body) ? body.authorizer : undefined
          if (auth !== undefined) {
            if (route !== '$connect')
              notes.push({
                where: at(rawEvent),
                message: `function ${name}: an authorizer only applies to $connect`,
              })
            else {
              const authName = typeof auth === 'string' ? auth : isRecord(auth) ? auth.name : undefined
              if (typeof authName !== 'string') {
                notes.push({
                  where: at(rawEvent),
                  message: `function ${name}: authorizer by ARN is not run locally`,
                })
              } else {
                authorizer = entryOf(authName, rawEvent, type)
                const ids = isRecord(auth) ? auth.identitySource : undefined
                if (ids !== undefined) identitySource = (Array.isArray(ids) ? ids : [ids]).map(String)
              }
            }
          }
        } else if (type === 'http' || type === 'httpApi') {
          const parsedEvent = httpEvent(body, type === 'httpApi')
          if (!parsedEvent)
            throw new ProjectFileError(
              at(rawEvent),
              `function ${name}: ${type} event needs a method and a path`,
            )
          const entry = entryOf(name, functions, name)
          if (!entry) continue
          const [method, path] = parsedEvent
          const events = type === 'http' ? 'rest' : 'v2'
          const spec: HttpRouteSpec = { method, path, entry, events }
          httpRoutes.push(spec)
          if (type === 'http' && isRecord(body) && body.cors) restCors.push({ route: spec, cors: body.cors })
          summary.http.push({ method, path, functionName: name, events })
        } else {
          notes.push({
            where: at(rawEvent),
            message: `function ${name}: ${type} events are not served locally`,
          })
        }
      }
    }

    applyRestCors(restCors)
    const httpApi = vars.resolve(provider.httpApi, provider, 'httpApi')
    if (isRecord(httpApi))
      applyHttpApiCors(
        httpApi.cors,
        httpRoutes.filter((r) => r.events === 'v2'),
      )
    const offline = isRecord(custom['serverless-offline'])
      ? (vars.resolve(custom['serverless-offline'], custom, 'serverless-offline') as Record<string, unknown>)
      : {}
    const options: DevOptions = {
      stage,
      routes,
      env: { ...providerEnv, IS_OFFLINE: 'true', AWS_REGION: region, AWS_DEFAULT_REGION: region },
      // serverless-offline answers @connections without the stage in the path, and
      // handlers written for it (WEBSOCKET_API_ENDPOINT=http://localhost:3001) rely on that.
      connectionsWithoutStage: true,
    }
    if (Object.keys(routes).length === 0 && httpRoutes.length === 0)
      throw new ProjectFileError(
        { file, line: lines.of(root, 'functions') },
        'no function with a websocket, http or httpApi event to serve',
      )
    if (httpRoutes.length > 0) options.httpRoutes = httpRoutes
    if (tables.length > 0) options.tables = tables
    if (authorizer) options.authorizer = authorizer
    if (identitySource) options.authorizerIdentitySource = identitySource
    if (routeResponses.length > 0) options.routeResponses = routeResponses
    const rse = vars.resolve(
      provider.websocketsApiRouteSelectionExpression,
      provider,
      'websocketsApiRouteSelectionExpression',
    )
    if (typeof rse === 'string') options.routeSelectionExpression = rse
    // serverless-offline's ports: WebSockets and @connections on websocketPort, the HTTP
    // routes on httpPort (and, here, on websocketPort too). No httpPort, no second port.
    const rawOffline = custom['serverless-offline']
    const portOf = (key: string): number | undefined => {
      const value = offline[key]
      if (value === undefined) return undefined
      const port = Number(value)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new ProjectFileError(
          at(rawOffline, key),
          `custom.serverless-offline.${key} must be a port number, not ${JSON.stringify(value)}`,
        )
      return port
    }
    const wsPort = portOf('websocketPort')
    const httpPort = portOf('httpPort')
    if (wsPort !== undefined) options.port = wsPort
    if (httpPort !== undefined) options.httpPort = httpPort
    if (typeof offline.host === 'string')
      options.host = offline.host === 'localhost' ? '127.0.0.1' : offline.host
    summary.tables = tables.map((t) => ({ name: t.input.TableName, where: t.where }))
    return { options, summary, files: [file, ...vars.files()] }
  },
}
