import { describe, expect, it } from 'vitest'
import { buildMessageEvent } from '../../src/events/websocket.js'
import { App, MemoryConnectionStore } from '../../src/index.js'
import { createStreamerClient } from '../../src/streamer/client.js'
import type { Transport } from '../../src/streamer/transport/types.js'
import { lambdaContext } from './helpers.js'

// Every @connections call an App makes for an invocation names it (CallOptions.requestId,
// read only by the local gateway's in-process transport) and stops before its deadline,
// whether it goes through the WebSocket view or a client taken from ctx.streamerFor().

const api = { apiId: 'abcd1234', stage: 'prod', domainName: 'abcd1234.execute-api.eu-west-1.amazonaws.com' }
const connection = { connectionId: 'R1kmxc2VNjMCFIA=', connectedAt: 1705751697419, sourceIp: '1.2.3.4' }

function recordingApp() {
  const calls: Array<{
    op: string
    id: string
    requestId: string | undefined
    timeoutMs: number | undefined
  }> = []
  const transport: Transport = {
    // Bounds its own attempts, so the streamer hands it the time left.
    boundsAttempts: true,
    post: async (id, _data, _signal, timeoutMs, requestId) => {
      calls.push({ op: 'post', id, requestId, timeoutMs })
    },
    get: async (id, _signal, timeoutMs, requestId) => {
      calls.push({ op: 'get', id, requestId, timeoutMs })
      return { connectionId: id, connectedAt: new Date(0), lastActiveAt: new Date(0), sourceIp: '1.2.3.4' }
    },
    delete: async (id, _signal, timeoutMs, requestId) => {
      calls.push({ op: 'delete', id, requestId, timeoutMs })
    },
  }
  const app = new App({
    logLevel: 'silent',
    connections: new MemoryConnectionStore(),
    streamer: (endpoint, { region }) => createStreamerClient({ endpoint, region, transport, retry: false }),
  })
  return { app, calls }
}

const message = (routeKey: string) =>
  buildMessageEvent({ api, connection, routeKey, body: JSON.stringify({ action: routeKey }) })

describe('call options an App passes to its @connections client', () => {
  it('ws.send, ws.info, ws.disconnect and ws.broadcast name the invocation', async () => {
    const { app, calls } = recordingApp()
    app.webSocket('go', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.send('a')
      await ws.info()
      await ws.broadcast(['B1kmxc2VNjMCFIA='], 'b')
      await ws.disconnect()
      return { statusCode: 200 }
    })
    await app.handler(message('go'), lambdaContext('req-1'))
    expect(calls.map((c) => [c.op, c.requestId])).toEqual([
      ['post', 'req-1'],
      ['get', 'req-1'],
      ['post', 'req-1'],
      ['delete', 'req-1'],
    ])
  })

  it('a client from ctx.streamerFor() names the invocation and keeps its deadline, unless the call says otherwise', async () => {
    const { app, calls } = recordingApp()
    app.webSocket('go', async (ctx) => {
      const ws = ctx.asWebSocket()
      const client = ctx.streamerFor(ws.managementEndpoint, ws.region)
      await client.postToConnection(ws.connectionId, 'a')
      await client.postToConnection(ws.connectionId, 'b', { requestId: 'mine' })
      await client.broadcast([ws.connectionId], 'c')
      // A non-object is refused by the client's own validation, not spread.
      await expect(client.postToConnection(ws.connectionId, 'd', 'bad' as never)).rejects.toThrow(
        /call options must be an object/,
      )
      return { statusCode: 200 }
    })
    await app.handler(message('go'), lambdaContext('req-2', 2000))
    expect(calls.map((c) => c.requestId)).toEqual(['req-2', 'mine', 'req-2'])
    // The Lambda's remaining 2 s bounds the attempt (less the App's margin).
    for (const call of calls) {
      expect(call.timeoutMs).toBeDefined()
      expect(call.timeoutMs!).toBeLessThanOrEqual(2000)
    }
  })

  it('outside Lambda (no context) nothing is named', async () => {
    const { app, calls } = recordingApp()
    app.webSocket('go', async (ctx) => {
      await ctx.asWebSocket().send('a')
      return { statusCode: 200 }
    })
    await app.handler(message('go'), undefined as never)
    // No deadline either: the client's own attempt timeout (5 s) bounds it.
    expect(calls).toEqual([
      { op: 'post', id: connection.connectionId, requestId: undefined, timeoutMs: 5000 },
    ])
  })

  it('a requestId that is not a string is a validation error', async () => {
    const client = createStreamerClient({
      endpoint: 'https://abcd1234.execute-api.eu-west-1.amazonaws.com/prod',
      transport: { post: async () => {}, get: async () => ({}) as never, delete: async () => {} },
    })
    await expect(
      client.postToConnection(connection.connectionId, 'x', { requestId: 42 as never }),
    ).rejects.toThrow(/requestId must be a string/)
  })
})
