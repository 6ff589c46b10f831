import { App, type AppOptions } from '../../src/app/app.js'
import type { LambdaContext } from '../../src/events/types.js'
import { createJsonLogger } from '../../src/log.js'
import { ConnectionsModel } from '../../src/management/model.js'
import { createStreamerClient } from '../../src/streamer/client.js'
import type { Transport } from '../../src/streamer/transport/types.js'

// An App wired to real parts: the real streamer client over a transport that talks to
// the shared @connections model (the same semantics as AWS: 410 for unknown or
// still-connecting ids), and a JSON logger whose lines the test can read.

export interface LogLine {
  level: string
  message: string
  requestId?: string
  [key: string]: unknown
}

export function harness(options: AppOptions = {}) {
  const model = new ConnectionsModel()
  const delivered: Array<{ connectionId: string; text: string }> = []
  const closed: string[] = []
  model.hooks = {
    deliver: (connectionId, data) =>
      delivered.push({ connectionId, text: Buffer.from(data).toString('utf8') }),
    close: (connectionId) => closed.push(connectionId),
  }
  const transport: Transport = {
    post: async (id, data) => model.post(id, data),
    get: async (id) => model.get(id),
    delete: async (id) => model.delete(id),
  }
  const clients: Array<{ endpoint: string; region: string | undefined }> = []
  const logs: LogLine[] = []
  const app = new App({
    logger: ({ requestId }) =>
      createJsonLogger({
        level: 'debug',
        write: (line) => logs.push(JSON.parse(line) as LogLine),
        fields: { requestId },
      }),
    streamer: (endpoint, { region }) => {
      clients.push({ endpoint, region })
      return createStreamerClient({ endpoint, region, transport, retry: false })
    },
    ...options,
  })
  /** Makes a connection live in the model, as the gateway does once `$connect` accepts. */
  const open = (connectionId: string, facts: { userAgent?: string; sourceIp?: string } = {}) => {
    model.begin({
      connectionId,
      connectedAt: 1705751697419,
      sourceIp: facts.sourceIp ?? '49.105.91.154',
      ...facts,
    })
    model.accept(connectionId)
  }
  return { app, model, delivered, closed, clients, logs, open }
}

export function lambdaContext(
  awsRequestId = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  remainingMs = 2900,
): LambdaContext {
  return { awsRequestId, functionName: 'chat', getRemainingTimeInMillis: () => remainingMs }
}
