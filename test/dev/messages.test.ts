import { describe, expect, it } from 'vitest'
import { App } from '../../src/index.js'
import { connected, rawSocket, recorder, sleep, start } from './helpers.js'

const ERROR_FRAME = (message: string) =>
  new RegExp(
    `^\\{"message": "${message}", "connectionId":"[A-Za-z0-9+/_-]{15}=", "requestId":"[A-Za-z0-9+/_-]{15}="\\}$`,
  )

describe('messages', () => {
  it('selects the route from the body and builds the MESSAGE event', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler, routes: { sendmessage: rec.handler } })
    const c = await connected(gw.url)
    c.ws.send('{"action":"sendmessage","text":"hi"}')
    c.ws.send('{"action":"unknown"}')
    c.ws.send('not json')
    c.ws.send('{"action":"$connect"}')
    const messages = async () => {
      while (rec.events.filter((e) => e.requestContext.eventType === 'MESSAGE').length < 4) await sleep(10)
      return rec.events.filter((e) => e.requestContext.eventType === 'MESSAGE')
    }
    const [first, second, third, fourth] = await messages()
    const connect = rec.events[0]
    expect(first.requestContext.routeKey).toBe('sendmessage')
    expect(first.body).toBe('{"action":"sendmessage","text":"hi"}')
    expect(first.requestContext.messageId).toMatch(/^[A-Za-z0-9+/_-]{15}=$/)
    expect(first.requestContext.connectionId).toBe(connect.requestContext.connectionId)
    expect(first.requestContext.connectedAt).toBe(connect.requestContext.connectedAt)
    expect(first.requestContext.requestId).not.toBe(connect.requestContext.requestId)
    expect(first).not.toHaveProperty('headers')
    expect(first).not.toHaveProperty('queryStringParameters')
    expect(first.isBase64Encoded).toBe(false)
    expect(second.requestContext.routeKey).toBe('$default')
    expect(third.requestContext.routeKey).toBe('$default')
    expect(fourth.requestContext.routeKey).toBe('$default')
  })

  it('evaluates nested paths and templates', async () => {
    const nested = recorder()
    const { gw } = await start({
      routeSelectionExpression: '$request.body.service.do',
      routes: { join: nested.handler, $default: nested.handler },
    })
    const c = await connected(gw.url)
    c.ws.send('{"service":{"do":"join"}}')
    await nested.waitFor((e) => e.requestContext.routeKey === 'join')

    const templated = recorder()
    const t = await start({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an API Gateway template, not a JS one
      routeSelectionExpression: '${request.body.service}/${request.body.action}',
      routes: { 'chat/join': templated.handler, $default: templated.handler },
    })
    const c2 = await connected(t.gw.url)
    c2.ws.send('{"service":"chat","action":"join"}')
    c2.ws.send('{"service":"chat"}')
    await templated.waitFor((e) => e.requestContext.routeKey === 'chat/join')
    await templated.waitFor((e) => e.requestContext.routeKey === '$default')
  })

  it('answers Forbidden when no route matches and there is no $default', async () => {
    const rec = recorder()
    const { gw } = await start({ routes: { sendmessage: rec.handler } })
    const c = await connected(gw.url)
    c.ws.send('{"action":"nope"}')
    expect((await c.next()).data).toMatch(ERROR_FRAME('Forbidden'))
    // The connection stays open.
    c.ws.send('{"action":"sendmessage"}')
    await rec.waitFor((e) => e.requestContext.routeKey === 'sendmessage')
  })

  it('answers Internal server error when the handler throws, and stays open', async () => {
    const { gw, waitForLine } = await start({
      routes: {
        $default: async (event: any) => {
          if (event.body === 'throw') throw new Error('handler exploded')
          if (event.body === 'malformed') return { statusCode: 200, Data: 'not a proxy field' }
          return { statusCode: 200 }
        },
      },
    })
    const c = await connected(gw.url)
    c.ws.send('throw')
    const frame = (await c.next()).data
    expect(frame).toMatch(ERROR_FRAME('Internal server error'))
    expect(JSON.parse(frame).connectionId).toBe(gw.connections()[0])
    await waitForLine(/MESSAGE.*502.*handler exploded/)
    c.ws.send('malformed')
    expect((await c.next()).data).toMatch(ERROR_FRAME('Internal server error'))
    await waitForLine(/malformed Lambda proxy response: unexpected field "Data"/)
    expect(gw.connections()).toHaveLength(1)
  })

  it('reads the result as Lambda sends it: JSON, and a result JSON cannot carry is a function error', async () => {
    const cyclic: Record<string, unknown> = { statusCode: 200 }
    cyclic.self = cyclic
    const { gw, waitForLine } = await start({
      routeResponses: true,
      routes: {
        $default: async (event: any) => {
          if (event.body === 'undefined') return { statusCode: 200, body: 'no extra', extra: undefined }
          if (event.body === 'date')
            return { statusCode: 200, headers: { 'X-At': new Date(0) }, body: 'dated' }
          if (event.body === 'bigint') return { statusCode: 10n }
          if (event.body === 'cycle') return cyclic
          return { statusCode: 200, body: 'after' }
        },
      },
    })
    const c = await connected(gw.url)
    for (const body of ['undefined', 'date', 'bigint', 'cycle', 'next']) c.ws.send(body)
    expect((await c.next()).data).toBe('no extra')
    expect((await c.next()).data).toBe('dated')
    expect((await c.next()).data).toMatch(ERROR_FRAME('Internal server error'))
    expect((await c.next()).data).toMatch(ERROR_FRAME('Internal server error'))
    expect((await c.next()).data).toBe('after')
    await waitForLine(/MESSAGE.*502.*not JSON-serialisable.*BigInt/)
  })

  it('sends $default a message whose selection expression cannot be evaluated', async () => {
    const rec = recorder()
    const { gw } = await start({ routes: { $default: rec.handler } })
    const c = await connected(gw.url)
    // Parses, but nests too deep for JSON.stringify to turn `action` back into a key.
    const deep = `{"action":${'['.repeat(60_000)}${']'.repeat(60_000)}}`
    const frame = 32 * 1024
    for (let at = 0; at < deep.length; at += frame)
      c.ws.send(deep.slice(at, at + frame), { fin: at + frame >= deep.length })
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'MESSAGE')
    expect(event.requestContext.routeKey).toBe('$default')
    expect(event.body.length).toBe(deep.length)
    expect(c.inbox).toEqual([])
  })

  it('answers Internal server error when the gateway itself fails on a message, never silence', async () => {
    const rec = recorder()
    const { gw, waitForLine } = await start({ routes: { $default: rec.handler } })
    const c = await connected(gw.url)
    // Stands in for any failure of the gateway's own: reading which routes this handler serves throws.
    const broken = new Proxy(async () => ({ statusCode: 200 }), {
      get(target, key) {
        if (typeof key === 'symbol') throw new Error('introspection exploded')
        return Reflect.get(target, key)
      },
    })
    gw.update({ routes: { $default: rec.handler }, handler: broken })
    c.ws.send('hello')
    expect((await c.next()).data).toMatch(ERROR_FRAME('Internal server error'))
    await waitForLine(/MESSAGE.*500.*introspection exploded/)
    gw.update({ routes: { $default: rec.handler } })
    c.ws.send('still open')
    await rec.waitFor((e) => e.body === 'still open')
  })

  it('answers Endpoint request timed out after the integration timeout, and moves on', async () => {
    const rec = recorder()
    const { gw } = await start({
      integrationTimeoutMs: 150,
      routes: {
        slow: () => new Promise(() => {}),
        $default: rec.handler,
      },
    })
    const c = await connected(gw.url)
    const t0 = Date.now()
    c.ws.send('{"action":"slow"}')
    c.ws.send('after')
    expect((await c.next()).data).toMatch(ERROR_FRAME('Endpoint request timed out'))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
    await rec.waitFor((e) => e.body === 'after')
  })

  it('sends the returned body back only on routes with a route response', async () => {
    const app = new App({ logLevel: 'silent' })
    app.webSocket('whoami', (ctx) => ({ id: ctx.asWebSocket().connectionId }))
    app.webSocket('$default', () => 'one-way reply')
    const { gw, waitForLine } = await start({ handler: app.handler, routeResponses: ['whoami'] })
    const c = await connected(gw.url)
    c.ws.send('{"action":"nothing"}')
    await waitForLine(/no route response/)
    c.ws.send('{"action":"whoami"}')
    const reply = await c.next()
    expect(JSON.parse(reply.data)).toEqual({ id: gw.connections()[0] })
    expect(reply.binary).toBe(false)
    expect(c.inbox).toEqual([])
  })

  it('handles a connection’s messages in order', async () => {
    const order: string[] = []
    const { gw } = await start({
      routes: {
        $default: async (event: any) => {
          // Earlier messages take longer: only a queue keeps them in order.
          await sleep(Math.max(0, 30 - Number(event.body) * 3))
          order.push(event.body)
          return { statusCode: 200 }
        },
      },
    })
    const c = await connected(gw.url)
    for (let i = 0; i < 10; i++) c.ws.send(String(i))
    while (order.length < 10) await sleep(10)
    expect(order).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
  })
})

describe('frames the gateway refuses', () => {
  it('closes with 1003 on a binary frame', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const c = await connected(gw.url)
    c.ws.send(Buffer.from([1, 2, 3]))
    expect((await c.closed).code).toBe(1003)
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'DISCONNECT')
    expect(event.requestContext.disconnectStatusCode).toBe(1003)
    expect(rec.events.filter((e) => e.requestContext.eventType === 'MESSAGE')).toEqual([])
  })

  it('closes with 1009 on a frame over 32 KB', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const c = await connected(gw.url)
    c.ws.send('x'.repeat(32 * 1024 + 1))
    expect(await c.closed).toEqual({ code: 1009, reason: 'Message too big' })
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'DISCONNECT')
    expect(event.requestContext.disconnectStatusCode).toBe(1009)
    expect(rec.events.filter((e) => e.requestContext.eventType === 'MESSAGE')).toEqual([])
  })

  it('accepts a message of up to 128 KB in frames of 32 KB', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const c = await connected(gw.url)
    const chunk = 'y'.repeat(32 * 1024)
    for (let i = 0; i < 4; i++) c.ws.send(chunk, { fin: i === 3 })
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'MESSAGE')
    expect(event.body.length).toBe(128 * 1024)
    expect(gw.connections()).toHaveLength(1)
  })

  it('closes with 1009 on a message over 128 KB, even in small frames', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const c = await connected(gw.url)
    const chunk = 'z'.repeat(32 * 1024)
    for (let i = 0; i < 5; i++) c.ws.send(chunk, { fin: i === 4 })
    // The same close as for one frame too big, not the empty reason ws would give.
    expect(await c.closed).toEqual({ code: 1009, reason: 'Message too big' })
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'DISCONNECT')
    expect(event.requestContext.disconnectStatusCode).toBe(1009)
    expect(event.requestContext.disconnectReason).toBe('Message too big')
    expect(rec.events.filter((e) => e.requestContext.eventType === 'MESSAGE')).toEqual([])
  })

  it('closes with 1007 on a text frame that is not UTF-8, and keeps serving others', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const raw = await rawSocket(gw.port)
    expect(raw.head).toMatch(/^HTTP\/1\.1 101 /)
    raw.frame(1, Buffer.from([0xff, 0xfe]))
    await raw.closed
    // The close frame the gateway sent: opcode 8, status 1007.
    const close = raw.received()
    expect(close[0]! & 0x0f).toBe(8)
    expect(close.readUInt16BE(2)).toBe(1007)
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'DISCONNECT')
    expect(event.requestContext.disconnectStatusCode).toBe(1007)
    const good = await connected(gw.url)
    good.ws.send('still here')
    await rec.waitFor((e) => e.body === 'still here')
  })
})

describe('App errors on one-way MESSAGE routes reach the sender, as on AWS', () => {
  const app = () => {
    const a = new App({ logLevel: 'silent' })
    a.webSocket('bug', () => {
      throw new TypeError('a bug with internal detail')
    })
    a.webSocket('bad', (ctx) => ctx.reject(422, 'Name too long'))
    a.webSocket('$default', () => 'ok')
    return a
  }

  for (const routeResponses of [false, true]) {
    it(`a bug: the "Internal server error" frame; an AppError: the envelope, exactly once (route responses ${routeResponses ? 'on' : 'off'})`, async () => {
      const { gw } = await start({ handler: app().handler, routeResponses })
      const c = await connected(gw.url)
      c.ws.send('{"action":"bug"}')
      // The exact AWS frame: nothing of the error's own message.
      expect((await c.next()).data).toMatch(ERROR_FRAME('Internal server error'))
      c.ws.send('{"action":"bad"}')
      const envelope = JSON.parse((await c.next()).data)
      expect(envelope).toStrictEqual({
        error: { code: 'unprocessable_entity', message: 'Name too long', requestId: expect.any(String) },
      })
      // Nothing more arrives for either message (the route response carried no second copy).
      c.ws.send('{"action":"other"}')
      if (routeResponses) expect((await c.next()).data).toBe('ok')
      await sleep(100)
      expect(c.inbox).toStrictEqual([])
    })
  }
})
