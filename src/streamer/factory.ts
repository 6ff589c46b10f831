import { createStreamerClient, type StreamerClientOptions } from './client.js'
import { Lru } from './lru.js'
import type { StreamerClient, StreamerFactory } from './types.js'

// One client per endpoint, kept at module scope so warm Lambda invocations reuse
// the SDK client and its keep-alive connections; bounded, least recently used first out.
const clients = new Lru<string, StreamerClient>()

export const defaultStreamerFactory: StreamerFactory = (endpoint, { region }) => {
  const key = `${endpoint}|${region ?? ''}`
  let client = clients.get(key)
  if (!client) {
    const options: StreamerClientOptions = { endpoint }
    if (region) options.region = region
    client = createStreamerClient(options)
    clients.set(key, client)
  }
  return client
}
