import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { validateRouteKey } from '../app/routes.js'
import { RESUME_ACTION } from '../protocol/frames.js'
import { WebSocketApiConfigError } from './errors.js'

// Turns the two ways of naming handlers (one function for everything, or one per
// route) into a flat list of routes before any CloudFormation resource exists, so
// every mistake surfaces as one readable error at construction time.

const CONNECT = '$connect'
const DISCONNECT = '$disconnect'
const DEFAULT = '$default'
const BUILT_IN = [CONNECT, DISCONNECT, DEFAULT] as const

/** A function per route key: `$connect`, `$disconnect`, `$default` or a custom key. */
export interface RouteHandlers {
  readonly $connect?: IFunction
  readonly $disconnect?: IFunction
  readonly $default?: IFunction
  readonly [routeKey: string]: IFunction | undefined
}

export interface RoutePlanInput {
  /** One function for `$connect`, `$disconnect`, `$default` and every key in `routes`. */
  readonly handler?: IFunction
  /** Custom route keys served by `handler` (what the route selection expression evaluates to). */
  readonly routes?: readonly string[]
  /** Functions per route; a key here wins over `handler` for that route. */
  readonly handlers?: RouteHandlers
  /**
   * Routes whose handler's return value is sent back to the client as a frame (a route
   * response with key `$default`). Without one, API Gateway drops the returned body.
   */
  readonly routeResponses?: readonly string[]
  /**
   * The function that answers socketeer/client's session resume request (the App whose
   * connection store holds the session's messages): adds the `socketeer.resume` route to
   * it. Needed with per-route `handlers` and no `$default`, where that frame would reach
   * no function. The App answers through @connections, so the route has no route response.
   */
  readonly resumeHandler?: IFunction
}

export interface PlannedRoute {
  readonly key: string
  readonly fn: IFunction
  readonly returnResponse: boolean
}

function checkKey(key: string, where: string): void {
  try {
    validateRouteKey(key)
  } catch (error) {
    throw new WebSocketApiConfigError(`${where}: ${(error as Error).message}`)
  }
}

/** Built-in routes first, then custom routes in the order given. */
export function planRoutes(input: RoutePlanInput): PlannedRoute[] {
  const byKey = new Map<string, IFunction>()
  const { handler, routes = [], handlers = {} } = input

  if (routes.length > 0 && !handler) {
    throw new WebSocketApiConfigError(
      '`routes` lists keys served by `handler`, but no `handler` was given; use `handlers: { key: fn }` for per-route functions',
    )
  }
  if (handler) {
    for (const key of BUILT_IN) byKey.set(key, handler)
    const seen = new Set<string>()
    for (const key of routes) {
      checkKey(key, '`routes`')
      if (seen.has(key)) throw new WebSocketApiConfigError(`\`routes\` lists ${JSON.stringify(key)} twice`)
      seen.add(key)
      byKey.set(key, handler)
    }
  }
  for (const [key, fn] of Object.entries(handlers)) {
    checkKey(key, '`handlers`')
    if (fn === undefined) continue
    byKey.set(key, fn)
  }
  if (byKey.size === 0) {
    throw new WebSocketApiConfigError('no routes: give `handler` (one function for all routes) or `handlers`')
  }
  if (input.resumeHandler) {
    if (byKey.has(RESUME_ACTION)) {
      throw new WebSocketApiConfigError(
        `\`resumeHandler\` adds the route ${RESUME_ACTION}, which \`handlers\` or \`routes\` names already: give one`,
      )
    }
    byKey.set(RESUME_ACTION, input.resumeHandler)
  }

  const responses = new Set<string>()
  for (const key of input.routeResponses ?? []) {
    if (key === CONNECT || key === DISCONNECT) {
      // $connect answers with the handshake status; $disconnect's result is ignored.
      throw new WebSocketApiConfigError(`\`routeResponses\`: ${key} cannot have a route response`)
    }
    if (!byKey.has(key)) {
      throw new WebSocketApiConfigError(
        `\`routeResponses\` names ${JSON.stringify(key)}, which is not a route of this API (routes: ${[...byKey.keys()].join(', ')})`,
      )
    }
    responses.add(key)
  }

  const builtIn = BUILT_IN.filter((k) => byKey.has(k))
  const custom = [...byKey.keys()].filter((k) => !(BUILT_IN as readonly string[]).includes(k))
  return [...builtIn, ...custom].map((key) => ({
    key,
    fn: byKey.get(key)!,
    returnResponse: responses.has(key),
  }))
}

/** Each function once, in route order: the set that gets environment and grants. */
export function distinctFunctions(plan: readonly PlannedRoute[]): IFunction[] {
  return [...new Set(plan.map((r) => r.fn))]
}
