import { existsSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type { DevOptions } from '../dev-options.js'
import type { EntrySpec } from '../runtime/types.js'
import { environment, exists, type Resource, tablesOf, templateEvaluator } from './cfn.js'
import { applySamApiCors, applySamHttpApiCors } from './cors.js'
import { ProjectFileError, type ProjectNote, type Where } from './errors.js'
import { locateHandler, runtimeKind } from './handlers.js'
import { unsupportedRuntime } from './support.js'
import type { HttpRouteSpec, ProjectReader, ProjectResult, ProjectSource } from './types.js'
import type { ParsedFile } from './yaml.js'

// SAM and CloudFormation templates: the WEBSOCKET `AWS::ApiGatewayV2::Api`, its Routes →
// Integrations → functions, its Authorizer and Stage; `AWS::Serverless::Function` and
// `AWS::Lambda::Function` (with `Globals`); Api/HttpApi events as HTTP routes; tables.

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value)
}

const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31'

function isSam(root: Record<string, unknown>): boolean {
  const t = root.Transform
  return t === SAM_TRANSFORM || (Array.isArray(t) && t.includes(SAM_TRANSFORM))
}

/** The logical id a property names with `Ref`/`GetAtt`, or a plain string. */
function refTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (!isRecord(value)) return undefined
  if (typeof value.Ref === 'string') return value.Ref
  const att = value['Fn::GetAtt']
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0]
  return undefined
}

/** The function an integration or authorizer URI points at: `...:function:NAME/invocations`. */
function functionInUri(uri: string, names: Map<string, string>): string | undefined {
  const m = /:function:([^/:]+)/.exec(uri)
  if (m) return names.get(m[1]!)
  return names.get(uri)
}

function mergeGlobals(
  globals: Record<string, unknown>,
  props: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...globals, ...props }
  const genv = isRecord(globals.Environment) ? globals.Environment.Variables : undefined
  const fenv = isRecord(props.Environment) ? props.Environment.Variables : undefined
  if (isRecord(genv) || isRecord(fenv))
    out.Environment = { Variables: { ...(isRecord(genv) ? genv : {}), ...(isRecord(fenv) ? fenv : {}) } }
  return out
}

function parameters(
  root: Record<string, unknown>,
  overrides: Record<string, string>,
  at: (holder: unknown, key?: string) => Where,
): Record<string, unknown> {
  const declared = isRecord(root.Parameters) ? root.Parameters : {}
  const out: Record<string, unknown> = {}
  for (const [name, decl] of Object.entries(declared)) {
    const d = isRecord(decl) ? decl : {}
    const value = Object.hasOwn(overrides, name) ? overrides[name] : d.Default
    if (value === undefined)
      throw new ProjectFileError(
        at(declared, name),
        `parameter ${name} has no Default: pass --parameter-overrides ${name}=<value>`,
      )
    if (Array.isArray(d.AllowedValues) && !d.AllowedValues.map(String).includes(String(value)))
      throw new ProjectFileError(
        at(declared, name),
        `parameter ${name}=${value} is not one of ${d.AllowedValues.join(', ')}`,
      )
    out[name] = d.Type === 'CommaDelimitedList' ? String(value).split(',') : String(value)
  }
  for (const name of Object.keys(overrides)) {
    if (!Object.hasOwn(declared, name))
      throw new ProjectFileError(
        at(root, 'Parameters'),
        `--parameter-overrides ${name}: the template declares no such parameter`,
      )
  }
  return out
}

export const samReader: ProjectReader = {
  kind: 'sam',
  accepts: (file, content) =>
    /^template\.(ya?ml|json)$/.test(basename(file)) || (isRecord(content) && isRecord(content.Resources)),
  async read(source: ProjectSource, parsed: ParsedFile): Promise<ProjectResult> {
    const { file, lines } = parsed
    const root = parsed.value
    if (!isRecord(root) || !isRecord(root.Resources))
      throw new ProjectFileError({ file, line: 1 }, 'a template needs a Resources mapping')
    const at = (holder: unknown, key?: string): Where => ({ file, line: lines.of(holder, key) })
    const notes: ProjectNote[] = []
    const resources = root.Resources as Record<string, Resource>
    const region = source.env?.AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1'
    const template = {
      file,
      lines,
      resources,
      parameters: parameters(root, source.parameterOverrides ?? {}, at),
      mappings: isRecord(root.Mappings) ? root.Mappings : {},
      conditions: isRecord(root.Conditions) ? root.Conditions : {},
      region,
      stackName: basename(dirname(file)) || 'local',
      notes,
    }
    const cfn = templateEvaluator(template)
    const tables = tablesOf(template, cfn)
    const codeRoot = dirname(file)
    const globals = isRecord(root.Globals) && isRecord(root.Globals.Function) ? root.Globals.Function : {}

    // Functions, by logical id; the physical name → logical id for URIs.
    const entries = new Map<string, EntrySpec | undefined>()
    const byName = new Map<string, string>()
    const httpRoutes: HttpRouteSpec[] = []
    // HTTP routes per API (`rest:` / `http:` + the logical id, '' for SAM's implicit one), for CORS.
    const byApi = new Map<string, HttpRouteSpec[]>()
    const summary: ProjectResult['summary'] = {
      kind: isSam(root) ? 'sam' : 'cloudformation',
      file,
      stage: source.stage ?? '',
      routes: [],
      http: [],
      tables: [],
      notes,
    }
    for (const [id, resource] of Object.entries(resources)) {
      if (!isRecord(resource) || !exists(resource, cfn)) continue
      const sam = resource.Type === 'AWS::Serverless::Function'
      if (!sam && resource.Type !== 'AWS::Lambda::Function') continue
      const rawProps = isRecord(resource.Properties) ? resource.Properties : {}
      const props = cfn.value(sam ? mergeGlobals(globals, rawProps) : rawProps) as Record<string, unknown>
      byName.set(cfn.string({ Ref: id }, 'FunctionName')!, id)
      const where = at(resources, id)
      const runtime = props.Runtime
      const skip = unsupportedRuntime(runtimeKind(runtime), runtime)
      const code = sam ? (props.InlineCode ? undefined : props.CodeUri) : props.Code
      const reason =
        skip ??
        (props.PackageType === 'Image'
          ? 'an image function is not run locally'
          : typeof code !== 'string'
            ? 'its code is not a local folder (CodeUri / Code)'
            : // A whole code folder absent is code that lives or is built elsewhere (another
              // service's source); a missing handler inside a present folder stays an error.
              existsSync(resolve(codeRoot, code))
              ? undefined
              : `its code folder ${code} does not exist here`)
      if (reason || typeof props.Handler !== 'string') {
        notes.push({ where, message: `function ${id}: ${reason ?? 'no Handler'}; skipped` })
        entries.set(id, undefined)
        continue
      }
      const codeDir = resolve(codeRoot, code as string)
      const located = locateHandler({
        handler: props.Handler,
        runtime: runtimeKind(runtime),
        codeDir,
        where: at(rawProps, 'Handler'),
      })
      const env = environment(isRecord(props.Environment) ? props.Environment.Variables : undefined)
      const timeout = Number(props.Timeout ?? 3)
      const memory = Number(props.MemorySize ?? 128)
      const entry: EntrySpec = {
        ...located,
        codeDir,
        functionName: cfn.string({ Ref: id }, 'FunctionName'),
        timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 3000,
        memoryMb: Number.isInteger(memory) && memory > 0 ? memory : 128,
      }
      if (Object.keys(env).length > 0) entry.env = env
      entries.set(id, entry)
      const events = sam && isRecord(props.Events) ? props.Events : {}
      for (const [eventId, event] of Object.entries(events)) {
        const e = isRecord(event) ? event : {}
        const p = isRecord(e.Properties) ? e.Properties : {}
        if (e.Type === 'Api' || e.Type === 'HttpApi') {
          const v2 = e.Type === 'HttpApi'
          const method =
            typeof p.Method === 'string'
              ? p.Method.toLowerCase() === 'any'
                ? 'ANY'
                : p.Method.toUpperCase()
              : 'ANY'
          const path = typeof p.Path === 'string' ? p.Path : '/{proxy+}'
          const spec: HttpRouteSpec = { method, path, entry, events: v2 ? 'v2' : 'rest' }
          httpRoutes.push(spec)
          // Read before evaluation: a `Ref` to the API names its logical id.
          const rawEvent = isRecord(rawProps.Events) ? rawProps.Events[eventId] : undefined
          const rawP = isRecord(rawEvent) && isRecord(rawEvent.Properties) ? rawEvent.Properties : {}
          const api = `${v2 ? 'http' : 'rest'}:${refTarget(v2 ? rawP.ApiId : rawP.RestApiId) ?? ''}`
          byApi.set(api, [...(byApi.get(api) ?? []), spec])
          if (p.Cors !== undefined)
            notes.push({
              where: at(rawProps.Events, eventId),
              message: `function ${id}: event ${eventId} has Cors, which SAM reads on the ${v2 ? 'HttpApi (CorsConfiguration)' : 'Api'} resource or in Globals, not on an event; ignored`,
            })
          summary.http.push({ method, path, functionName: id, events: v2 ? 'v2' : 'rest' })
        } else
          notes.push({
            where,
            message: `function ${id}: event ${eventId} (${String(e.Type)}) is not served locally`,
          })
      }
    }
    // CORS: the API resource's own `Cors` / `CorsConfiguration`, else Globals'.
    for (const [api, onApi] of byApi) {
      const v2 = api.startsWith('http:')
      const id = api.slice(api.indexOf(':') + 1)
      const prop = v2 ? 'CorsConfiguration' : 'Cors'
      const own = id && isRecord(resources[id]) ? resources[id]!.Properties : undefined
      const globalApi = isRecord(root.Globals) ? root.Globals[v2 ? 'HttpApi' : 'Api'] : undefined
      const value =
        isRecord(own) && own[prop] !== undefined
          ? own[prop]
          : isRecord(globalApi)
            ? globalApi[prop]
            : undefined
      if (value === undefined) continue
      if (v2) applySamHttpApiCors(cfn.value(value), onApi)
      else applySamApiCors(cfn.value(value), onApi)
    }
    const functionFor = (uri: unknown, holder: unknown, key: string): string | undefined => {
      const text = cfn.string(uri, key)
      const id = text ? functionInUri(text, byName) : undefined
      if (!id)
        throw new ProjectFileError(
          at(holder, key),
          `${key} ${JSON.stringify(text)} names no function of this template`,
        )
      return id
    }

    // The WebSocket API: routes → integrations → functions.
    const apis = Object.entries(resources).filter(
      ([, r]) =>
        isRecord(r) &&
        r.Type === 'AWS::ApiGatewayV2::Api' &&
        (r.Properties as Record<string, unknown> | undefined)?.ProtocolType === 'WEBSOCKET',
    )
    const options: DevOptions = {
      env: { AWS_SAM_LOCAL: 'true', AWS_REGION: region, AWS_DEFAULT_REGION: region },
    }
    const routes: Record<string, EntrySpec> = {}
    const routeResponses: string[] = []
    if (apis.length > 1)
      notes.push({
        where: at(resources, apis[1]![0]),
        message: 'more than one WebSocket API: the first is served',
      })
    const [apiId, api] = apis[0] ?? []
    if (apiId && api) {
      const rse = cfn.string(api.Properties?.RouteSelectionExpression, 'RouteSelectionExpression')
      if (rse) options.routeSelectionExpression = rse
      const ofApi = (r: Resource) => refTarget(r.Properties?.ApiId) === apiId || apis.length === 1
      for (const [id, r] of Object.entries(resources)) {
        if (!isRecord(r) || !ofApi(r) || !exists(r, cfn)) continue
        const p: Record<string, unknown> = (r.Properties as Record<string, unknown> | undefined) ?? {}
        if (r.Type === 'AWS::ApiGatewayV2::Stage' && !source.stage) {
          const name = cfn.string(p.StageName, 'StageName')
          if (name) summary.stage = name
        } else if (r.Type === 'AWS::ApiGatewayV2::Route') {
          const key = cfn.string(p.RouteKey, 'RouteKey')
          if (!key) throw new ProjectFileError(at(resources, id), `route ${id} has no RouteKey`)
          const target = cfn.string(p.Target, 'Target') ?? ''
          const integrationId = target.replace(/^integrations\//, '')
          const integration = resources[integrationId]
          if (!isRecord(integration) || integration.Type !== 'AWS::ApiGatewayV2::Integration') {
            notes.push({
              where: at(resources, id),
              message: `route ${key}: Target ${JSON.stringify(target)} is no integration of this template; skipped`,
            })
            continue
          }
          const ip: Record<string, unknown> =
            (integration.Properties as Record<string, unknown> | undefined) ?? {}
          if (ip.IntegrationType !== 'AWS_PROXY' && ip.IntegrationType !== 'AWS') {
            notes.push({
              where: at(resources, integrationId),
              message: `route ${key}: ${String(ip.IntegrationType)} integrations are not served locally; skipped`,
            })
            continue
          }
          const fnId = functionFor(ip.IntegrationUri, ip, 'IntegrationUri')!
          const entry = entries.get(fnId)
          if (!entry) continue
          routes[key] = entry
          summary.routes.push({ key, functionName: fnId })
          if (p.RouteResponseSelectionExpression === '$default') routeResponses.push(key)
          if (key === '$connect' && p.AuthorizationType === 'CUSTOM') {
            const authId = refTarget(p.AuthorizerId)
            const auth = authId ? resources[authId] : undefined
            if (!isRecord(auth) || auth.Type !== 'AWS::ApiGatewayV2::Authorizer')
              throw new ProjectFileError(
                at(p, 'AuthorizerId'),
                `route $connect: AuthorizerId names no AWS::ApiGatewayV2::Authorizer`,
              )
            const ap: Record<string, unknown> = (auth.Properties as Record<string, unknown> | undefined) ?? {}
            const authFn = functionFor(ap.AuthorizerUri, ap, 'AuthorizerUri')!
            const authEntry = entries.get(authFn)
            if (authEntry) {
              options.authorizer = authEntry
              const ids = cfn.value(ap.IdentitySource)
              if (Array.isArray(ids)) options.authorizerIdentitySource = ids.map(String)
            }
          }
        } else if (r.Type === 'AWS::ApiGatewayV2::RouteResponse') {
          const routeId = refTarget(p.RouteId)
          const route = routeId ? resources[routeId] : undefined
          const key = route
            ? cfn.string((route.Properties as Record<string, unknown> | undefined)?.RouteKey, 'RouteKey')
            : undefined
          if (key && !routeResponses.includes(key)) routeResponses.push(key)
        }
      }
    }
    if (Object.keys(routes).length === 0 && httpRoutes.length === 0)
      throw new ProjectFileError(
        { file, line: lines.of(root, 'Resources') },
        'no WebSocket route or HTTP event with a function to serve',
      )
    options.routes = routes
    if (summary.stage) options.stage = summary.stage
    else if (source.stage) summary.stage = options.stage = source.stage
    if (httpRoutes.length > 0) options.httpRoutes = httpRoutes
    if (tables.length > 0) options.tables = tables
    if (routeResponses.length > 0) options.routeResponses = routeResponses
    summary.tables = tables.map((t) => ({ name: t.input.TableName, where: t.where }))
    return { options, summary, files: [file] }
  },
}
