// socketeer/dev: the local gateway. `startGateway` runs Lambda handlers behind a real
// WebSocket server and a real @connections API; the `socketeer dev` CLI wraps it.

export type { Gateway } from './gateway.js'
export { startGateway } from './gateway.js'
export type { GatewayOptions, Integrations, LambdaHandler } from './options.js'
