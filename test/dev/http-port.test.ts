import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { GatewayOptionError } from '../../src/dev/errors.js'
import { startGateway } from '../../src/dev/index.js'
import { connected, recorder, refused, start } from './helpers.js'

// `httpPort`: the HTTP routes on a second port as well, as serverless-offline serves them
// on its httpPort while WebSockets and @connections stay on the gateway's port.

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => {
        text += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const portOf = (url: string) => Number(new URL(url).port)

function listening(port = 0): Promise<import('node:http').Server> {
  const server = createServer()
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

describe('httpPort', () => {
  it('serves the same routes with the same handlers, CORS and Host checks on both ports', async () => {
    const main = recorder((e) => ({ statusCode: 200, body: `main ${e.path}` }))
    const item = recorder((e) => ({ statusCode: 201, body: `item ${e.pathParameters.id}` }))
    const { gw } = await start({
      handler: main.handler,
      httpPort: 0,
      cors: { origin: 'https://app.example', credentials: true },
      httpRoutes: [
        {
          method: 'POST',
          path: '/items/{id}',
          handler: item.handler,
          cors: { origin: '*', allowHeaders: ['X-Key'] },
        },
      ],
    })
    expect(gw.httpPortUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const httpPort = portOf(gw.httpPortUrl!)
    expect(httpPort).not.toBe(gw.port)
    const preflight = {
      Origin: 'https://app.example',
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'x-trace',
    }
    const answers = []
    for (const port of [gw.port, httpPort]) {
      const host = { Host: `localhost:${port}` }
      const item7 = await call(port, 'POST', '/dev/items/7', host, '{}')
      const posts = await call(port, 'GET', '/posts', { ...host, Origin: 'https://app.example' })
      const options = await call(port, 'OPTIONS', '/posts', { ...host, ...preflight })
      const itemOptions = await call(port, 'OPTIONS', '/items/7', host)
      answers.push({
        item: [item7.status, item7.text],
        posts: [posts.status, posts.text, posts.headers['access-control-allow-origin']],
        preflight: [
          options.status,
          options.headers['access-control-allow-origin'],
          options.headers['access-control-allow-credentials'],
        ],
        itemPreflight: [itemOptions.status, itemOptions.headers['access-control-allow-headers']],
      })
    }
    expect(answers[0]).toEqual({
      item: [201, 'item 7'],
      posts: [200, 'main /posts', 'https://app.example'],
      preflight: [204, 'https://app.example', 'true'],
      itemPreflight: [200, 'X-Key'],
    })
    expect(answers[1]).toEqual(answers[0])
    // Events built on the HTTP port name it: domainName is that listener's checked Host.
    expect(item.events.map((e) => e.requestContext.domainName)).toEqual([
      `localhost:${gw.port}`,
      `localhost:${httpPort}`,
    ])

    // Host checks against the HTTP port itself: its own names only, before any handler runs.
    const before = main.events.length
    for (const hostile of [`127.0.0.1:${gw.port}`, 'rebind.attacker.example', `localhost:${httpPort + 1}`]) {
      const res = await call(httpPort, 'GET', '/posts', { Host: hostile })
      expect([hostile, res.status, JSON.parse(res.text)]).toEqual([hostile, 403, { message: 'Forbidden' }])
    }
    expect(main.events.length).toBe(before)
  })

  it('WebSockets and @connections stay on the gateway port; a handshake on the HTTP port is refused and logged', async () => {
    const rec = recorder((e) => ({ statusCode: 200, body: `http ${e.path ?? ''}` }))
    const { gw, lines } = await start({ handler: rec.handler, httpPort: 0 })
    const httpPort = portOf(gw.httpPortUrl!)
    expect(await refused(`ws://127.0.0.1:${httpPort}/dev`)).toBe('Unexpected server response: 403')
    expect(lines.some((l) => l.includes('serves the HTTP routes only') && l.includes(gw.url))).toBe(true)
    expect(rec.events.filter((e) => e.requestContext?.eventType === 'CONNECT')).toEqual([])

    const c = await connected(gw.url)
    const id = encodeURIComponent(gw.connections()[0]!)
    // On the HTTP port, /@connections is just a path of the HTTP routes (the handler's).
    const there = await call(httpPort, 'POST', `/dev/@connections/${id}`, {}, 'not delivered')
    expect([there.status, there.text]).toEqual([200, `http /@connections/${decodeURIComponent(id)}`])
    const here = await call(gw.port, 'POST', `/dev/@connections/${id}`, {}, 'delivered')
    expect(here.status).toBe(200)
    expect((await c.next()).data).toBe('delivered')
    expect(c.inbox).toEqual([])
    // A plain GET of the stage on the HTTP port is an HTTP route, never "426 Upgrade Required".
    const stage = await call(httpPort, 'GET', '/dev')
    expect(stage.status).toBe(200)
  })

  it('is off by default; a bad value is a GatewayOptionError; a port in use fails the start and frees the other', async () => {
    const { gw } = await start({ handler: recorder().handler })
    expect(gw.httpPortUrl).toBeUndefined()
    for (const httpPort of [-1, 70000, 1.5, Number.NaN])
      await expect(startGateway({ handler: () => ({}), port: 0, httpPort, logger: false })).rejects.toThrow(
        GatewayOptionError,
      )

    const taken = await listening()
    const spare = await listening()
    const mainPort = (spare.address() as AddressInfo).port
    await new Promise<void>((r) => spare.close(() => r()))
    try {
      await expect(
        startGateway({
          handler: () => ({}),
          port: mainPort,
          httpPort: (taken.address() as AddressInfo).port,
          logger: false,
        }),
      ).rejects.toThrow(
        new GatewayOptionError(
          `httpPort ${(taken.address() as AddressInfo).port} is in use: pick another (0 picks a free one)`,
        ),
      )
      // The gateway's own port was released: it can be bound again.
      const again = await listening(mainPort)
      await new Promise<void>((r) => again.close(() => r()))
    } finally {
      await new Promise<void>((r) => taken.close(() => r()))
    }
  })
})
