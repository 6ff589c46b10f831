import { describe, expect, it } from 'vitest'
import { buildRestEvent } from '../../src/events/http.js'
import { buildConnectEvent, buildMessageEvent } from '../../src/events/websocket.js'
import { App } from '../../src/index.js'
import { ConnectionsModel } from '../../src/management/model.js'

const api = { apiId: 'abcd1234', stage: 'prod', domainName: 'abcd1234.execute-api.eu-west-1.amazonaws.com' }
const connection = { connectionId: 'R1kmxc2VNjMCFIA=', connectedAt: 1705751697419, sourceIp: '1.2.3.4' }

describe('smoke', () => {
  it('routes a $default message and sends through the streamer', async () => {
    const sent: Array<[string, string, string]> = []
    const model = new ConnectionsModel({
      hooks: { deliver: (id, d) => sent.push(['x', id, Buffer.from(d).toString()]) },
    })
    model.begin(connection)
    model.accept(connection.connectionId)
    const app = new App({
      logLevel: 'silent',
      streamer: (endpoint) => ({
        endpoint,
        postToConnection: async (id, data) => {
          sent.push([endpoint, id, String(data)])
        },
        getConnection: async (id) => model.get(id),
        deleteConnection: async (id) => model.delete(id),
        broadcast: async () => ({ sent: [], gone: [], failed: [] }),
      }),
    })
    app.webSocket('$default', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.sendJSON({ echo: ws.json() })
    })
    app.get('/posts/:id', (ctx) => ({ id: ctx.req.params.id }))
    const res = await app.handler(
      buildMessageEvent({ api, connection, routeKey: '$default', body: '{"a":1}' }),
    )
    expect(res).toEqual({ statusCode: 200 })
    expect(sent).toEqual([
      [
        'https://abcd1234.execute-api.eu-west-1.amazonaws.com/prod',
        connection.connectionId,
        '{"echo":{"a":1}}',
      ],
    ])
    const connect = await app.handler(buildConnectEvent({ api, connection }))
    expect(connect).toEqual({ statusCode: 200 })
    const http = await app.handler(buildRestEvent({ path: '/posts/42' }))
    expect(http.statusCode).toBe(200)
    expect(JSON.parse(http.body)).toEqual({ id: '42' })
  })
})
