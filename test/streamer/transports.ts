import { createStreamerClient, type StreamerClient, type StreamerClientOptions } from '../../src/index.js'

// The wire transports every streamer test runs against, with the same expectations:
// `sigv4` (the default: aws4-signed requests over a keep-alive agent) and `sdk` (the
// AWS SDK v3 client). Each suite is wrapped in describe.each(TRANSPORTS) and makes its
// clients through clientFactory, so one test file covers both.

export interface TransportCase {
  name: 'sigv4' | 'sdk'
  options: Pick<StreamerClientOptions, 'transport'>
}

export const TRANSPORTS: TransportCase[] = [
  { name: 'sigv4', options: {} },
  { name: 'sdk', options: { transport: 'sdk' } },
]

export function clientFactory(t: TransportCase): (options?: StreamerClientOptions) => StreamerClient {
  return (options) => createStreamerClient({ ...t.options, ...options })
}
