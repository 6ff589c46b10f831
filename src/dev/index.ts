// socketeer/dev: the local gateway. `startGateway` runs Lambda handlers behind a real
// WebSocket server and a real @connections API; `startDev` adds loading entries from
// disk with hot reload (what the `socketeer dev` CLI runs).

export type { DevOptions, DevServer } from './dev-server.js'
export { startDev } from './dev-server.js'
export type { Gateway } from './gateway/gateway.js'
export { startGateway } from './gateway/gateway.js'
export type { GatewayOptions, InspectorOptions, Integrations, LambdaHandler } from './options.js'
