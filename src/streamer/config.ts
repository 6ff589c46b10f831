import { MANAGEMENT_ENDPOINT_ENV } from '../env.js'
import { isExecuteApiHost } from '../events/hosts.js'
import { normaliseEndpoint } from './endpoint.js'
import { StreamerValidationError } from './errors.js'
import { regionFromHost } from './region.js'

// Where the client talks to and which region it signs for. The endpoint rules that
// matter at runtime (wss:// → https://, trailing slashes) live in endpoint.ts;
// here only the mistakes that would otherwise surface as a 403 on every call.

/** Explicit endpoint, else SOCKETEER_MANAGEMENT_ENDPOINT (for local development). */
export function resolveEndpoint(explicit: string | undefined): string {
  const raw = explicit ?? (process.env[MANAGEMENT_ENDPOINT_ENV] || undefined)
  if (raw === undefined) {
    throw new StreamerValidationError(
      'createStreamerClient needs an endpoint (or SOCKETEER_MANAGEMENT_ENDPOINT): https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
    )
  }
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new StreamerValidationError(`endpoint must be a non-empty URL string, got ${JSON.stringify(raw)}`)
  }
  let endpoint: string
  try {
    endpoint = normaliseEndpoint(raw)
  } catch (cause) {
    throw new StreamerValidationError(`invalid management endpoint ${JSON.stringify(raw)}`, { cause })
  }
  const url = new URL(endpoint)
  if (url.search || url.hash) {
    throw new StreamerValidationError(`management endpoint must not have a query or fragment: ${raw}`)
  }
  if (/\/@connections(\/|$)/.test(url.pathname)) {
    throw new StreamerValidationError(
      `management endpoint must stop before /@connections (the client adds it): ${raw}`,
    )
  }
  if (isExecuteApiHost(url.hostname) && (url.pathname === '/' || url.pathname === '')) {
    // Without the stage AWS answers 403 Forbidden to every call.
    throw new StreamerValidationError(
      `management endpoint ${raw} has no stage: use https://${url.hostname}/{stage}`,
    )
  }
  return endpoint
}

/** Options, else the execute-api host, else AWS_REGION, else us-east-1 (local emulators). */
export function resolveRegion(endpoint: string, explicit: string | undefined): string {
  if (explicit !== undefined) {
    if (typeof explicit !== 'string' || !/^[a-z0-9-]+$/i.test(explicit)) {
      throw new StreamerValidationError(`region must look like eu-west-1, got ${JSON.stringify(explicit)}`)
    }
    return explicit
  }
  return regionFromHost(endpoint) ?? (process.env.AWS_REGION || undefined) ?? 'us-east-1'
}
