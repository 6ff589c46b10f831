import type { ResolvedOptions } from '../options.js'

// Where the WebSocket API is served. On AWS the execute-api URL is /{stage}; a custom
// domain's API mapping serves it at its mapping path, and a root mapping at / (where
// serverless-offline users connect). `basePath` adds that path; /{stage} keeps working.

type PathOptions = Pick<ResolvedOptions, 'stage' | 'basePath'>

/** The path the gateway advertises: the base path when set, else `/{stage}`. */
export function webSocketPath(options: PathOptions): string {
  return options.basePath ?? `/${options.stage}`
}

/** True for a path the WebSocket API answers on (a trailing slash is tolerated, as AWS does). */
export function servesWebSocketAt(options: PathOptions, pathname: string): boolean {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname
  if (path === `/${options.stage}`) return true
  return options.basePath !== undefined && path === (options.basePath || '/')
}

/** `{basePath}/@connections/{id}` as `/{stage}/@connections/{id}`; other paths unchanged. */
export function managementPathOf(options: PathOptions, path: string): string {
  const base = options.basePath
  if (base === undefined || path.startsWith(`/${options.stage}/`)) return path
  return path.startsWith(`${base}/@connections`) ? `/${options.stage}${path.slice(base.length)}` : path
}

/** The 403 log line's advice: the URL to use instead. */
export function wrongPathAdvice(options: PathOptions, address: string, pathname: string): string {
  const url = `ws://${address}${webSocketPath(options)}`
  const rootHint =
    options.basePath === undefined && pathname === '/'
      ? ` (or start with --base-path '' to serve the root, as a custom domain's root mapping does)`
      : ''
  return `no WebSocket API at ${pathname}: connect to ${url}${rootHint}`
}
