import type { ResolvedOptions } from '../options.js'

// Where the WebSocket API and @connections are served: the one rule for stage-less and
// mapped URLs. On AWS the execute-api URL is /{stage}; a custom domain's API mapping
// serves it at its mapping path, and a root mapping at / (where serverless-offline users
// connect). `basePath` adds that path for both; `connectionsWithoutStage` adds the root
// for @connections alone (serverless-offline's stage-less @connections, for handlers
// written against it). /{stage} keeps working either way.

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

/** `{base}/@connections/{id}` as `/{stage}/@connections/{id}`; other paths unchanged. */
export function managementPathOf(
  options: Pick<ResolvedOptions, 'stage' | 'connectionsBases'>,
  path: string,
): string {
  if (path.startsWith(`/${options.stage}/`)) return path
  const base = options.connectionsBases.find((b) => path.startsWith(`${b}/@connections`))
  return base === undefined ? path : `/${options.stage}${path.slice(base.length)}`
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
