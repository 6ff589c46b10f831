import { AppError } from '../errors.js'

// The @connections management endpoint for an event (semantics page, section 4).
// execute-api hosts: https://{domainName}/{stage}. A custom domain carries no base
// path in the event, so it is https://{domain}/{basePath}, root mapping by default,
// never the stage. A local gateway host (localhost, 127.0.0.1) is plain http.

const EXECUTE_API_HOST = /^([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i
const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i

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

export function deriveManagementEndpoint(
  domainName: string,
  stage: string,
  options: EndpointOptions = {},
): string {
  if (options.endpoint) return normaliseEndpoint(options.endpoint)
  if (EXECUTE_API_HOST.test(domainName) || LOCAL_HOST.test(domainName)) {
    const scheme = LOCAL_HOST.test(domainName) ? 'http' : 'https'
    return `${scheme}://${domainName}/${encodeURIComponent(stage)}`
  }
  const base = (options.basePath ?? '').replace(/^\/+|\/+$/g, '')
  return base ? `https://${domainName}/${base}` : `https://${domainName}`
}

/** The region of an execute-api endpoint or host, if it names one. */
export function regionFromHost(hostOrUrl: string): string | undefined {
  let host = hostOrUrl
  if (/^[a-z]+:\/\//i.test(host)) {
    try {
      host = new URL(host).hostname
    } catch {
      return undefined
    }
  }
  return EXECUTE_API_HOST.exec(host)?.[2]
}
