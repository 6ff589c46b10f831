// What an App integrates, readable from `app.handler` alone. A tool that hosts the
// handler (the local gateway) needs the route keys for route selection and whether
// `$connect` has an authorizer, and is usually given only the function. A global
// symbol, so an App from another copy of the package (a hot-reloaded one) still answers.

export const APP_INTEGRATION: unique symbol = Symbol.for('socketeer.app-integration') as any

export interface AppIntegration {
  /** The registered WebSocket route keys, in registration order. */
  webSocketRoutes: string[]
  /** True when `app.authorizer()` registered a `$connect` authorizer. */
  authorizer: boolean
  /** The registered HTTP routes (`GET /posts/:id`), for a host to list. */
  httpRoutes: string[]
  /** The App's connection registry, when it has one: what a host may show of a connection. */
  connections?: {
    get(
      connectionId: string,
    ): Promise<{ attributes?: Record<string, unknown>; principalId?: string } | undefined>
    groups(connectionId: string): AsyncIterable<string>
  }
}

/** The App behind a handler function, if it is an `app.handler`. */
export function appIntegrationOf(handler: unknown): AppIntegration | undefined {
  if (typeof handler !== 'function') return undefined
  const describe = (handler as unknown as Record<symbol, unknown>)[APP_INTEGRATION]
  return typeof describe === 'function' ? (describe as () => AppIntegration)() : undefined
}
