import { describe, expect, it } from 'vitest'
import { buildMessageEvent } from '../../src/events/websocket.js'
import { App, MemoryConnectionStore } from '../../src/index.js'
import { createStreamerClient } from '../../src/streamer/client.js'
import type { Transport } from '../../src/streamer/transport/types.js'
import type { StreamerClient } from '../../src/streamer/types.js'
import { lambdaContext } from './helpers.js'

// Every @connections call an App makes for an invocation names it (CallOptions.requestId,
// read only by the local gateway's in-process transport) and stops before its deadline
// when it goes through the WebSocket view, or through ctx.streamerFor() with ctx.callOptions().

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

  it("ctx.streamerFor() is the App's cached client: ctx.callOptions() gives a call the invocation's deadline and id", async () => {
    const { app, calls } = recordingApp()
    app.webSocket('go', async (ctx) => {
      const ws = ctx.asWebSocket()
      const client = ctx.streamerFor(ws.managementEndpoint, ws.region)
      await client.postToConnection(ws.connectionId, 'a')
      await client.postToConnection(ws.connectionId, 'b', ctx.callOptions())
      await client.postToConnection(ws.connectionId, 'c', { ...ctx.callOptions(), requestId: 'mine' })
      return { statusCode: 200 }
    })
    await app.handler(message('go'), lambdaContext('req-2', 2000))
    expect(calls.map((c) => c.requestId)).toEqual([undefined, 'req-2', 'mine'])
    // The Lambda's remaining 2 s bounds the attempts given its options (less the App's margin).
    expect(calls[0]!.timeoutMs).toBe(5000)
    expect(calls[1]!.timeoutMs!).toBeLessThanOrEqual(2000)
  })

  it('a client kept from one invocation works in the next (no stale deadline or id)', async () => {
    const { app, calls } = recordingApp()
    let kept: StreamerClient | undefined
    app.webSocket('go', async (ctx) => {
      const ws = ctx.asWebSocket()
      kept ??= ctx.streamerFor(ws.managementEndpoint, ws.region)
      await kept.postToConnection(ws.connectionId, 'x')
      return { statusCode: 200 }
    })
    // The first invocation had 300 ms; the second runs long after that deadline.
    await app.handler(message('go'), lambdaContext('req-a', 300))
    await app.handler(message('go'), lambdaContext('req-b', 30_000))
    expect(calls.map((c) => [c.requestId, c.timeoutMs])).toEqual([
      [undefined, 5000],
      [undefined, 5000],
    ])
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
