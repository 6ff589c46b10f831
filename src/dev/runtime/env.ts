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

// In-process handlers read process.env. A value the user set stays (theirs wins); the
// gateway's values go in while it runs and come out on close. With two gateways in one
// process the first one's values stay: the second's handlers derive the endpoint from
// their events instead (as ctx.asWebSocket() does) or pass it explicitly.
const held = new Map<string, { value: string; holders: number }>()

export function holdProcessEnv(vars: Record<string, string>): () => void {
  const mine: string[] = []
  for (const [name, value] of Object.entries(vars)) {
    const hold = held.get(name)
    if (hold) {
      hold.holders++
      mine.push(name)
    } else if (process.env[name] === undefined) {
      process.env[name] = value
      held.set(name, { value, holders: 1 })
      mine.push(name)
    }
  }
  let released = false
  return () => {
    if (released) return
    released = true
    for (const name of mine) {
      const hold = held.get(name)
      if (!hold || --hold.holders > 0) continue
      held.delete(name)
      if (process.env[name] === hold.value) delete process.env[name]
    }
  }
}
