// socketeer/cdk: the WebSocketApi construct. Depends on aws-cdk-lib and constructs
// (optional peers); the runtime face never imports this.

export type { AccessLogOptions } from './access-log.js'
export { defaultAccessLogFormat } from './access-log.js'
export type { ConnectAuthorizerOptions } from './authorizer.js'
export type { ConnectionsTableOptions } from './connections-table.js'
export type { CustomDomainOptions } from './domain.js'
export { CONNECTIONS_TABLE_ENV, MANAGEMENT_ENDPOINT_ENV } from './env.js'
export { WebSocketApiConfigError } from './errors.js'
export type { PlannedRoute, RouteHandlers, RoutePlanInput } from './plan.js'
export { planRoutes } from './plan.js'
export type { WebSocketApiProps } from './websocket-api.js'
export { WebSocketApi } from './websocket-api.js'
