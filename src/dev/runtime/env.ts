import { MANAGEMENT_ENDPOINT_ENV } from '../../env.js'

// What the gateway tells the handlers it runs, as Lambda and the AWS SDKs read it:
// where @connections is (socketeer's own variable, and the SDKs' service-specific
// endpoint variable, read by SDK v3, boto3 and the AWS CLI when a client is given no
// endpoint), a region, and the certificate to trust for the gateway's https.

/** The SDKs' endpoint variable for the @connections service (its service id, upper-cased). */
export const SDK_ENDPOINT_ENV = 'AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI'

export interface HandlerEnvInput {
  managementEndpoint: string
  /** The local CA alone, and the full bundle (roots + CA), when the gateway speaks TLS. */
  caFile?: string
  bundleFile?: string
}

/** The region handlers are given: the user's, else us-east-1 (Lambda always sets one; SDK clients without one refuse to start). */
export function handlerRegion(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'
}

export function handlerEnvironment(input: HandlerEnvInput, env: NodeJS.ProcessEnv = process.env) {
  const out: Record<string, string> = {
    [MANAGEMENT_ENDPOINT_ENV]: input.managementEndpoint,
    [SDK_ENDPOINT_ENV]: input.managementEndpoint,
  }
  const region = handlerRegion(env)
  out.AWS_REGION = region
  out.AWS_DEFAULT_REGION = env.AWS_DEFAULT_REGION ?? region
  if (input.bundleFile) out.AWS_CA_BUNDLE = input.bundleFile
  if (input.caFile) out.NODE_EXTRA_CA_CERTS = input.caFile
  return out
}

// In-process handlers read process.env, so what they are given is set there while it
// is held and put back after. One rule for every holder (the gateway's variables, a
// project file's environment, a function's own): each variable keeps the value it had
// before the first hold (the user's), and its holds in order. An `override` hold wins
// over the user's value, the latest override over earlier ones (a reload holds the new
// values before it releases the old); a `default` hold only fills a variable the user
// left unset, and the first default stays (with two gateways in one process, the
// second's handlers derive the endpoint from their events, as ctx.asWebSocket() does, or
// pass it explicitly). A value someone else wrote while held is kept as the user's.
// When the last hold goes, the variable is what the user had.

export type HoldMode = 'override' | 'default'

interface Hold {
  value: string
  mode: HoldMode
}

interface Held {
  /** The user's value: before the first hold, or written by someone else since. */
  user: string | undefined
  holds: Hold[]
  /** What this module last wrote. */
  written: string | undefined
}

const held = new Map<string, Held>()

function settle(name: string, h: Held): void {
  const now = process.env[name]
  if (now !== h.written) h.user = now
  let override: Hold | undefined
  for (const hold of h.holds) if (hold.mode === 'override') override = hold
  const next = override ? override.value : (h.user ?? h.holds[0]?.value)
  if (next === undefined) delete process.env[name]
  else process.env[name] = next
  h.written = next
  if (h.holds.length === 0) held.delete(name)
}

/** Holds `vars` in process.env (see the rule above) until the returned function is called. */
export function holdVars(vars: Record<string, string>, mode: HoldMode): () => void {
  const mine: Array<[string, Hold]> = []
  for (const [name, value] of Object.entries(vars)) {
    let h = held.get(name)
    if (!h) {
      h = { user: process.env[name], holds: [], written: process.env[name] }
      held.set(name, h)
    }
    const hold = { value, mode }
    h.holds.push(hold)
    mine.push([name, hold])
    settle(name, h)
  }
  let released = false
  return () => {
    if (released) return
    released = true
    for (const [name, hold] of mine) {
      const h = held.get(name)
      if (!h) continue
      h.holds = h.holds.filter((x) => x !== hold)
      settle(name, h)
    }
  }
}

/** The gateway's variables for its handlers: set where the user has not set them. */
export function holdProcessEnv(vars: Record<string, string>): () => void {
  return holdVars(vars, 'default')
}

export interface EnvHold {
  /** Replaces the held values (a reload of the project file); returns the names that changed. */
  set(vars: Record<string, string>): string[]
  release(): void
}

/** A project file's environment (and what the dev server adds): over the user's values, replaceable. */
export function holdEnv(vars: Record<string, string>): EnvHold {
  let current: Record<string, string> = {}
  let release = () => {}
  const set = (next: Record<string, string>): string[] => {
    const changed = Object.keys(current).filter((name) => !Object.hasOwn(next, name))
    for (const [name, value] of Object.entries(next)) if (process.env[name] !== value) changed.push(name)
    const previous = release
    release = holdVars(next, 'override')
    previous()
    current = { ...next }
    return changed
  }
  set(vars)
  return {
    set,
    release() {
      set({})
    },
  }
}
