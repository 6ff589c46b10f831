import { AppError } from '../errors.js'
import { EXECUTE_API_HOST } from '../events/hosts.js'

// The @connections management endpoint for an event (semantics page, section 4).
// execute-api hosts: https://{domainName}/{stage}. A custom domain carries no base
// path in the event, so it is https://{domain}/{basePath}, root mapping by default,
// never the stage. A local gateway host (localhost, 127.0.0.1) is plain http, and so is
// any host with an explicit port: API Gateway's domains are on 443 only, so a port means
// a local gateway reached by another name (a LAN address, a container name).

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$|^[^/:]+:\d+$|^\[[0-9a-f:.]+\]:\d+$/i

export interface EndpointOptions {
  /** An explicit endpoint wins over everything. */
  endpoint?: string
  /** The API mapping's base path on a custom domain (none = root mapping). */
  basePath?: string
}

/** Turns `wss://`/`ws://` into `https://`/`http://`, trims trailing slashes, checks it is a URL. */
export function normaliseEndpoint(endpoint: string): string {
  let url = endpoint.trim()
  if (/^wss:\/\//i.test(url)) url = `https://${url.slice(6)}`
  else if (/^ws:\/\//i.test(url)) url = `http://${url.slice(5)}`
  else if (!/^https?:\/\//i.test(url)) url = `https://${url}`
  try {
    new URL(url)
  } catch {
    throw new AppError('internal', `invalid management endpoint: ${JSON.stringify(endpoint)}`)
  }
  return url.replace(/\/+$/, '')
}

const NO_OPTIONS: EndpointOptions = {}

// One warm Lambda serves one API and stage, so the last answer is nearly always the
// next one: remembering it keeps the regexes and URL parsing off the per-message path.
let lastEndpoint:
  | {
      domainName: string
      stage: string
      explicit: string | undefined
      basePath: string | undefined
      endpoint: string
    }
  | undefined

export function deriveManagementEndpoint(
  domainName: string,
  stage: string,
  options: EndpointOptions = NO_OPTIONS,
): string {
  const last = lastEndpoint
  if (
    last !== undefined &&
    last.domainName === domainName &&
    last.stage === stage &&
    last.explicit === options.endpoint &&
    last.basePath === options.basePath
  ) {
    return last.endpoint
  }
  const endpoint = derive(domainName, stage, options)
  lastEndpoint = { domainName, stage, explicit: options.endpoint, basePath: options.basePath, endpoint }
  return endpoint
}

function derive(domainName: string, stage: string, options: EndpointOptions): string {
  if (options.endpoint) return normaliseEndpoint(options.endpoint)
  if (EXECUTE_API_HOST.test(domainName)) return `https://${domainName}/${encodeURIComponent(stage)}`
  if (LOCAL_HOST.test(domainName)) return `http://${domainName}/${encodeURIComponent(stage)}`
  const base = (options.basePath ?? '').replace(/^\/+|\/+$/g, '')
  return base ? `https://${domainName}/${base}` : `https://${domainName}`
}
