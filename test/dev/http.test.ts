import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { App } from '../../src/index.js'
import { connected, recorder, start } from './helpers.js'

// HTTP routes of the same function on the gateway's port.

describe('HTTP routes', () => {
  it('serves REST (V1) proxy events; the stage prefix is optional', async () => {
    const rec = recorder(() => ({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-one': '1' },
      multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
      body: 'created',
    }))
    const { gw } = await start({ handler: rec.handler })
    const res = await fetch(`${gw.httpUrl}/dev/posts/42?q=1&q=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Trace': 'abc' },
      body: '{"a":1}',
    })
    expect(res.status).toBe(201)
    expect(await res.text()).toBe('created')
    expect(res.headers.get('x-one')).toBe('1')
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    const event = rec.events[0]
    expect(event.httpMethod).toBe('POST')
    expect(event.resource).toBe('/{proxy+}')
    expect(event.path).toBe('/posts/42')
    expect(event.body).toBe('{"a":1}')
    expect(event.isBase64Encoded).toBe(false)
    expect(event.queryStringParameters).toEqual({ q: '2' })
    expect(event.multiValueQueryStringParameters).toEqual({ q: ['1', '2'] })
    expect(event.headers['X-Trace']).toBe('abc')
    expect(event.requestContext.stage).toBe('dev')
    expect(event.requestContext.identity.sourceIp).toBe('127.0.0.1')
    await fetch(`${gw.httpUrl}/posts/42`)
    expect(rec.events[1].path).toBe('/posts/42')
    expect(rec.events[1].body).toBeNull()
  })

  it('passes binary bodies base64-encoded and decodes base64 results', async () => {
    const rec = recorder(() => ({
      statusCode: 200,
      body: Buffer.from([0xff, 0x00, 0x7f]).toString('base64'),
      isBase64Encoded: true,
    }))
    const { gw } = await start({ handler: rec.handler })
    const res = await fetch(`${gw.httpUrl}/upload`, { method: 'PUT', body: new Uint8Array([0xff, 0xfe]) })
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0xff, 0x00, 0x7f]))
    expect(rec.events[0].isBase64Encoded).toBe(true)
    expect(Buffer.from(rec.events[0].body, 'base64')).toEqual(Buffer.from([0xff, 0xfe]))
  })

  it('answers as API Gateway when the function fails: 502, 504, malformed', async () => {
    const { gw, waitForLine } = await start({
      integrationTimeoutMs: 150,
      handler: async (event: any) => {
        if (event.path === '/throw') throw new Error('http handler exploded')
        if (event.path === '/slow') return new Promise(() => {})
        return { statusCode: 200, unexpected: true }
      },
    })
    const thrown = await fetch(`${gw.httpUrl}/throw`)
    expect(thrown.status).toBe(502)
    expect(await thrown.json()).toEqual({ message: 'Internal server error' })
    await waitForLine(/HTTP.*502.*http handler exploded/)
    const slow = await fetch(`${gw.httpUrl}/slow`)
    expect(slow.status).toBe(504)
    expect(await slow.json()).toEqual({ message: 'Endpoint request timed out' })
    const malformed = await fetch(`${gw.httpUrl}/x`)
    expect(malformed.status).toBe(502)
  })

  it('reads the result as Lambda sends it: JSON, and a result JSON cannot carry is a 502', async () => {
    const { gw } = await start({
      handler: async (event: any) =>
        event.path === '/bigint'
          ? { statusCode: 200, body: 10n }
          : { statusCode: 200, headers: { 'x-at': new Date(0), 'x-gone': undefined }, body: 'ok' },
    })
    const res = await fetch(`${gw.httpUrl}/dated`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-at')).toBe('1970-01-01T00:00:00.000Z')
    expect(res.headers.has('x-gone')).toBe(false)
    const bigint = await fetch(`${gw.httpUrl}/bigint`)
    expect(bigint.status).toBe(502)
    expect(await bigint.json()).toEqual({ message: 'Internal server error' })
  })

  it('serves a request offering a non-WebSocket upgrade (h2c) as plain HTTP', async () => {
    const rec = recorder(() => ({ statusCode: 200, body: 'plain' }))
    const { gw } = await start({ handler: rec.handler })
    const socket = connect(gw.port, '127.0.0.1')
    socket.write(
      `POST /dev/posts HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nConnection: Upgrade, HTTP2-Settings\r\n` +
        'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 5\r\n\r\nhello' +
        `GET /again HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nConnection: close\r\n\r\n`,
    )
    const answer = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (d) => (text += d))
      socket.on('close', () => resolve(text))
    })
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200'])
    expect(rec.events.map((e) => [e.httpMethod, e.path, e.body])).toEqual([
      ['POST', '/posts', 'hello'],
      ['GET', '/again', null],
    ])
  })

  it('serves an h2c offer made through Proxy-Connection as plain HTTP too (no re-parse loop)', async () => {
    const rec = recorder(() => ({ statusCode: 200, body: 'plain' }))
    const { gw } = await start({ handler: rec.handler })
    const socket = connect(gw.port, '127.0.0.1')
    socket.write(
      `GET /dev/posts HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nProxy-Connection: Upgrade\r\n` +
        'Upgrade: h2c\r\nConnection: close\r\n\r\n',
    )
    const answer = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (d) => (text += d))
      socket.on('close', () => resolve(text))
    })
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200'])
    expect(rec.events.map((e) => [e.httpMethod, e.path])).toEqual([['GET', '/posts']])
  })

  it('serves HTTP API (V2) events with http: "v2"', async () => {
    const rec = recorder(() => ({ hello: 'world' }))
    const { gw } = await start({ handler: rec.handler, http: 'v2' })
    const res = await fetch(`${gw.httpUrl}/dev/items?x=1`, { headers: { cookie: 'a=1; b=2' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({ hello: 'world' })
    const event = rec.events[0]
    expect(event.version).toBe('2.0')
    expect(event.rawPath).toBe('/items')
    expect(event.rawQueryString).toBe('x=1')
    expect(event.cookies).toEqual(['a=1', 'b=2'])
    expect(event.requestContext.http.method).toBe('GET')
  })

  it('is off with http: false', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler, http: false })
    expect((await fetch(`${gw.httpUrl}/anything`)).status).toBe(403)
    expect(rec.events).toEqual([])
  })

  it('answers a plain GET on the WebSocket stage with 426 Upgrade Required when no HTTP route serves it', async () => {
    for (const http of [false, undefined] as const) {
      const rec = recorder()
      const { gw } = await start(
        http === false ? { handler: rec.handler, http } : { routes: { $default: rec.handler } },
      )
      for (const path of ['/dev', '/dev/', `/dev/${Date.now()}`, `/dev/${Date.now()}/${Date.now()}`]) {
        const res = await fetch(`${gw.httpUrl}${path}`)
        expect(res.status).toBe(426)
        expect(res.headers.get('upgrade')).toBe('websocket')
        expect(await res.json()).toEqual({ message: 'Upgrade Required' })
      }
      // Off the stage it is not the WebSocket API: the usual refusal.
      expect((await fetch(`${gw.httpUrl}/elsewhere`)).status).toBe(403)
      expect(rec.events).toEqual([])
    }
  })

  it('lets a REST call push to WebSocket clients, end to end', async () => {
    const app = new App({ logLevel: 'silent' })
    const ids = new Set<string>()
    let endpoint = ''
    app.webSocket('$connect', (ctx) => {
      ids.add(ctx.asWebSocket().connectionId)
      endpoint = ctx.asWebSocket().managementEndpoint
    })
    app.post('/notice', async (ctx) => {
      const { text } = ctx.req.json<{ text: string }>()
      const { createStreamerClient } = await import('../../src/index.js')
      const result = await createStreamerClient({ endpoint }).broadcast(ids, { notice: text })
      return { sent: result.sent.length }
    })
    const { gw } = await start({ handler: app.handler })
    const a = await connected(gw.url)
    const b = await connected(gw.url)
    const res = await fetch(`${gw.httpUrl}/dev/notice`, { method: 'POST', body: '{"text":"hi all"}' })
    expect(await res.json()).toEqual({ sent: 2 })
    expect(JSON.parse((await a.next()).data)).toEqual({ notice: 'hi all' })
    expect(JSON.parse((await b.next()).data)).toEqual({ notice: 'hi all' })
  })
})
