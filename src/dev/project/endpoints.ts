import type { DevOptions } from '../dev-options.js'
import type { ProjectNote } from './errors.js'

// A `ws://` URL of the gateway itself, handed to handlers as their @connections
// endpoint (seed 003's `WEBSOCKET_API_ENDPOINT: ws://localhost:3001`), cannot work: the
// @connections API is HTTP, and the AWS SDKs read `ws://localhost:3001` as a host named
// `ws`. The same URL with http:// is what the team meant; it is handed over that way,
// and the banner says so.

const LOCAL = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0'])

export function httpForGatewayWs(options: DevOptions, file: string, notes: ProjectNote[]): DevOptions {
  const port = options.port ?? 3001
  if (!options.env || port === 0) return options
  const env = { ...options.env }
  for (const [name, value] of Object.entries(env)) {
    const m = /^ws(s?):\/\/([^/:]+):(\d+)(\/.*)?$/.exec(value)
    if (!m || !LOCAL.has(m[2]!) || Number(m[3]) !== port) continue
    env[name] = `http://${m[2]}:${m[3]}${m[4] ?? ''}`
    notes.push({
      where: { file },
      message: `${name}=${value} is handed to handlers as ${env[name]}: @connections is an HTTP API, and the AWS SDKs read a ws:// endpoint as a host named "ws"`,
    })
  }
  return { ...options, env }
}
