import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { hostPolicy, parseHost } from '../../src/dev/gateway/host.js'
import { App } from '../../src/index.js'
import { connected, recorder, refused, start } from './helpers.js'

// The handshake's Host header must never decide where handlers send (their @connections
// endpoint comes from `domainName`), and the gateway answers only to its own names.

function httpWithHost(
  port: number,
  host: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { Host: host } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => {
        text += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('Host checks against DNS rebinding and endpoint hijacking', () => {
  it('a handshake whose Host names another port is refused before any handler runs; signed calls never go there', async () => {
    // A server that would receive what handlers post if domainName followed the client's Host.
    let stolen = 0
    const attacker = createServer((req, res) => {
      stolen++
      req.resume()
      res.end()
    })
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()))
    const attackerPort = (attacker.address() as AddressInfo).port
    try {
      const app = new App({ logLevel: 'silent' })
      const seen: string[] = []
      app.webSocket('$connect', (ctx) => {
        seen.push(ctx.asWebSocket().domainName)
      })
      app.webSocket('$default', async (ctx) => {
        await ctx.asWebSocket().send('echo')
      })
      const { gw, lines } = await start({ handler: app.handler, inProcessManagement: false })
      const hostile = `127.0.0.1:${attackerPort}`
      expect(await refused(gw.url, undefined, { headers: { Host: hostile } })).toBe(
        'Unexpected server response: 403',
      )
      expect(seen).toStrictEqual([])
      expect(lines.some((l) => l.includes('is not one of this gateway') && l.includes(hostile))).toBe(true)
      // The gateway's own names work, and domainName is the checked one.
      const c = await connected(gw.url.replace('127.0.0.1', 'localhost'))
      c.ws.send('hi')
      expect((await c.next()).data).toBe('echo')
      expect(seen).toStrictEqual([`localhost:${gw.port}`])
      expect(stolen).toBe(0)
    } finally {
      attacker.close()
    }
  })

  it('HTTP routes and @connections refuse a Host that is not the gateway’s (403), before any handler runs', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const c = await connected(gw.url)
    const id = gw.connections()[0]!
    for (const [method, path, body] of [
      ['GET', '/dev/posts', undefined],
      ['POST', `/dev/@connections/${encodeURIComponent(id)}`, 'pwned'],
      ['GET', `/dev/@connections/${encodeURIComponent(id)}`, undefined],
      ['DELETE', `/dev/@connections/${encodeURIComponent(id)}`, undefined],
    ] as const) {
      const res = await httpWithHost(gw.port, 'rebind.attacker.example', method, path, body)
      expect(res.status).toBe(403)
      expect(JSON.parse(res.text)).toEqual({ message: 'Forbidden' })
    }
    expect(rec.events.filter((e) => e.httpMethod)).toEqual([])
    expect(c.inbox).toEqual([])
    expect(gw.connections()).toEqual([id])
    // The same calls with the gateway's own Host go through.
    const ok = await httpWithHost(
      gw.port,
      `127.0.0.1:${gw.port}`,
      'POST',
      `/dev/@connections/${encodeURIComponent(id)}`,
      'hello',
    )
    expect(ok.status).toBe(200)
    expect((await c.next()).data).toBe('hello')
  })

  it('allowedHosts adds names, matched exactly; the event’s domainName is that name', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler, allowedHosts: ['Tunnel.Example'] })
    const res = await httpWithHost(gw.port, 'tunnel.example', 'GET', '/dev/x')
    expect(res.status).toBe(200)
    const event = rec.events.find((e) => e.httpMethod)
    expect(event.requestContext.domainName).toBe('tunnel.example')
    expect((await httpWithHost(gw.port, 'tunnel.example:9999', 'GET', '/dev/x')).status).toBe(403)
    expect((await httpWithHost(gw.port, 'evil.tunnel.example', 'GET', '/dev/x')).status).toBe(403)
  })
})

describe('hostPolicy', () => {
  const policy = hostPolicy('127.0.0.1', 3001, ['tunnel.example', 'lan.box:8443'], () => '127.0.0.1:3001')

  it('allows loopback names and the bound address on the gateway’s port, and configured names exactly', () => {
    for (const host of [
      '127.0.0.1:3001',
      'localhost:3001',
      'LOCALHOST:3001',
      'app.localhost:3001',
      '[::1]:3001',
      '127.0.0.2:3001',
      'tunnel.example',
      'lan.box:8443',
    ])
      expect(policy.domainFor(host)).toBe(host.toLowerCase())
    expect(policy.domainFor(undefined)).toBe('127.0.0.1:3001')
  })

  it('refuses other ports, other names, and malformed headers', () => {
    for (const host of [
      '127.0.0.1:3002',
      'localhost',
      '127.0.0.1',
      'rebind.attacker.example:3001',
      'tunnel.example:3001',
      'lan.box',
      '[::1',
      '127.0.0.1:3001/x',
      'a b:3001',
      '[fe80::1]:3001',
      'localhost:99999',
    ])
      expect(policy.domainFor(host)).toBeUndefined()
  })

  it('parses host[:port]', () => {
    expect(parseHost('[::1]:80')).toEqual({ name: '::1', port: 80 })
    expect(parseHost('Example.COM')).toEqual({ name: 'example.com', port: undefined })
    expect(parseHost('x:1:2')).toBeUndefined()
  })
})
