import { connect } from 'node:net'
import {
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { describe, expect, it } from 'vitest'
import { App, AppError } from '../../src/index.js'
import { deriveManagementEndpoint } from '../../src/streamer/endpoint.js'
import { client, connected, recorder, refused, sdk, sleep, start } from './helpers.js'

describe('the handshake', () => {
  it('builds the CONNECT event from the live request', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    await connected(`${gw.url}?name=ann&tag=a&tag=b`, undefined, {
      headers: { 'User-Agent': 'test-agent/1', 'X-Custom': 'yes' },
    })
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'CONNECT')
    const rc = event.requestContext
    expect(rc.routeKey).toBe('$connect')
    expect(rc.connectionId).toMatch(/^[A-Za-z0-9+/_-]{15}=$/)
    expect(rc.requestId).toMatch(/^[A-Za-z0-9+/_-]{15}=$/)
    expect(rc.extendedRequestId).toBe(rc.requestId)
    expect(rc.apiId).toBe('local')
    expect(rc.stage).toBe('dev')
    expect(rc.domainName).toBe(`127.0.0.1:${gw.port}`)
    expect(rc.identity).toEqual({ sourceIp: '127.0.0.1', userAgent: 'test-agent/1' })
    expect(rc.messageDirection).toBe('IN')
    expect(rc.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/)
    expect(rc.requestTimeEpoch).toBe(rc.connectedAt + 1)
    expect(rc.messageId).toBeUndefined()
    // Header names as the client sent them; hop-by-hop ones dropped.
    expect(event.headers['X-Custom']).toBe('yes')
    expect(event.headers.Host).toBe(`127.0.0.1:${gw.port}`)
    // Added by the gateway, as API Gateway does beside X-Forwarded-*.
    const trace = /^Root=1-([0-9a-f]{8})-[0-9a-f]{24}$/.exec(event.headers['X-Amzn-Trace-Id'])
    expect(trace).not.toBeNull()
    expect(Math.abs(Number.parseInt(trace![1]!, 16) - rc.connectedAt / 1000)).toBeLessThan(5)
    expect(event.headers['X-Forwarded-For']).toBe('127.0.0.1')
    expect(event.headers['Sec-WebSocket-Key']).toMatch(/==$/)
    expect(Object.keys(event.headers).map((k) => k.toLowerCase())).not.toContain('upgrade')
    expect(Object.keys(event.headers).map((k) => k.toLowerCase())).not.toContain('connection')
    expect(event.queryStringParameters).toEqual({ name: 'ann', tag: 'b' })
    expect(event.multiValueQueryStringParameters).toEqual({ name: ['ann'], tag: ['a', 'b'] })
    expect(event.isBase64Encoded).toBe(false)
    // What handlers derive from the event is this gateway's management endpoint.
    expect(deriveManagementEndpoint(rc.domainName, rc.stage)).toBe(gw.managementEndpoint)
  })

  it('has no query fields when the URL had no query', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    await connected(gw.url)
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'CONNECT')
    expect(event).not.toHaveProperty('queryStringParameters')
    expect(event).not.toHaveProperty('multiValueQueryStringParameters')
  })

  it('accepts connections when nothing is integrated on $connect', async () => {
    const rec = recorder()
    const { gw } = await start({ routes: { $default: rec.handler } })
    const c = await connected(gw.url)
    expect(gw.connections()).toHaveLength(1)
    c.ws.send('hi')
    await rec.waitFor((e) => e.body === 'hi')
    expect(rec.events.map((e) => e.requestContext.eventType)).toEqual(['MESSAGE'])
  })

  it('refuses with 502 when $connect throws, the status it returned otherwise', async () => {
    const { gw, waitForLine } = await start({
      routes: {
        $connect: async (event: any) => {
          const q = event.queryStringParameters?.q
          if (q === 'throw') throw new Error('connect exploded')
          if (q === 'malformed') return { statusCode: 200, Data: 'x' }
          return { statusCode: Number(q) }
        },
      },
    })
    expect(await refused(`${gw.url}?q=throw`)).toBe('Unexpected server response: 502')
    await waitForLine(/CONNECT.*502.*connect exploded/)
    expect(await refused(`${gw.url}?q=500`)).toBe('Unexpected server response: 500')
    expect(await refused(`${gw.url}?q=401`)).toBe('Unexpected server response: 401')
    expect(await refused(`${gw.url}?q=malformed`)).toBe('Unexpected server response: 502')
    // A 1xx cannot end a handshake: a malformed result, not a status to write back.
    expect(await refused(`${gw.url}?q=101`)).toBe('Unexpected server response: 502')
    expect(await refused(`${gw.url}?q=100`)).toBe('Unexpected server response: 502')
    await connected(`${gw.url}?q=204`)
    expect(gw.connections()).toHaveLength(1)
  })

  it('reads the $connect result as Lambda sends it: JSON, so undefined headers vanish', async () => {
    const { gw, waitForLine } = await start({
      routes: {
        // The common "echo the offered subprotocol, if any" pattern.
        $connect: async (event: any) => {
          if (event.queryStringParameters?.q === 'bigint') return { statusCode: 200n }
          const offered = event.headers['Sec-WebSocket-Protocol']?.split(',')[0]
          return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': offered, 'X-At': new Date(0) } }
        },
      },
    })
    await connected(gw.url)
    expect((await connected(gw.url, ['chat'])).ws.protocol).toBe('chat')
    // A result JSON cannot carry fails the invocation, as on Lambda.
    expect(await refused(`${gw.url}?q=bigint`)).toBe('Unexpected server response: 502')
    await waitForLine(/CONNECT.*502.*not JSON-serialisable/)
  })

  it('refuses with 504 when $connect outlives the integration timeout', async () => {
    const { gw } = await start({
      integrationTimeoutMs: 100,
      routes: { $connect: () => new Promise(() => {}) },
    })
    expect(await refused(gw.url)).toBe('Unexpected server response: 504')
    expect(gw.connections()).toEqual([])
  })

  it('refuses a path other than the stage with 403', async () => {
    const { gw } = await start({ handler: recorder().handler })
    expect(await refused(gw.url.replace('/dev', '/prod'))).toBe('Unexpected server response: 403')
    expect(await refused(gw.url.replace('/dev', ''))).toBe('Unexpected server response: 403')
  })

  it('echoes the subprotocol only when $connect chose one', async () => {
    const app = new App({ logLevel: 'silent' })
    app.webSocket('$connect', (ctx) => {
      const ws = ctx.asWebSocket()
      if (ws.protocols.includes('chat.v2')) ws.acceptProtocol('chat.v2')
    })
    const { gw, waitForLine } = await start({ handler: app.handler })
    const c = await connected(gw.url, ['chat.v1', 'chat.v2'])
    expect(c.ws.protocol).toBe('chat.v2')
    // Offered but none chosen: the client fails the connection, as a browser would.
    expect(await refused(gw.url, ['chat.v1'])).toBe('Server sent no subprotocol')
    await waitForLine(/chose none/)
  })

  it('answers 410 to a post during the connection’s own $connect', async () => {
    let during: unknown
    let after: unknown
    const { gw } = await start({
      routes: {
        $connect: async (event: any) => {
          const mgmt = sdk(gw.managementEndpoint)
          const id = event.requestContext.connectionId
          during = await mgmt
            .send(new PostToConnectionCommand({ ConnectionId: id, Data: 'early' }))
            .catch((e) => e)
          after = await mgmt.send(new GetConnectionCommand({ ConnectionId: id })).catch((e) => e)
          return { statusCode: 200 }
        },
      },
    })
    await connected(gw.url)
    expect(during).toBeInstanceOf(GoneException)
    expect(after).toBeInstanceOf(GoneException)
  })

  it('does not fire $disconnect for a handshake the client abandoned during $connect', async () => {
    const rec = recorder()
    const { gw, waitForLine } = await start({
      routes: {
        $connect: async () => {
          await sleep(150)
          return { statusCode: 200 }
        },
        $disconnect: rec.handler,
      },
    })
    const c = client(gw.url)
    await sleep(50)
    c.ws.terminate()
    await waitForLine(/left during the handshake/)
    await sleep(50)
    expect(rec.events).toEqual([])
    expect(gw.connections()).toEqual([])
  })

  it('refuses a broken handshake with 400 before any handler runs', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const socket = connect(gw.port, '127.0.0.1')
    socket.write(
      `GET /dev HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    )
    const answer = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (d) => (text += d))
      socket.on('close', () => resolve(text))
    })
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(rec.events).toEqual([])
  })

  it('refuses a malformed Sec-WebSocket-Protocol with 400 before the authorizer or $connect runs', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler, authorizer: rec.handler })
    const handshakeWith = (protocols: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(gw.port, '127.0.0.1')
        socket.write(
          `GET /dev HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
            `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ${protocols}\r\n\r\n`,
        )
        let text = ''
        socket.on('data', (d) => (text += d))
        socket.on('close', () => resolve(text))
      })
    for (const bad of ['chat, chat', 'chat,', 'a b', 'chat/1'])
      expect([bad, await handshakeWith(bad)]).toEqual([bad, expect.stringMatching(/^HTTP\/1\.1 400 /)])
    expect(rec.events).toEqual([])
    // A well-formed list gets past the check: the authorizer runs (and refuses the recorder's non-policy result).
    expect(await handshakeWith('chat,\tchat.v2 , x')).toMatch(/^HTTP\/1\.1 500 /)
    expect(rec.events.map((e) => e.type)).toEqual(['REQUEST'])
  })
})

describe('the $connect authorizer', () => {
  const policy =
    (effect: string, principalId: string, context?: Record<string, unknown>) => (event: any) => ({
      principalId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }],
      },
      context,
    })

  it('runs first; 401 only on "Unauthorized", 403 on Deny, 500 on any other throw or a malformed result', async () => {
    const connect = recorder()
    const authorizer = async (event: any) => {
      const token = event.queryStringParameters?.token
      if (token === 'deny') return policy('Deny', 'u1')(event)
      if (token === 'crash') throw new TypeError('bug in the authorizer')
      if (token === 'failed') throw new Error('Failed')
      if (token === 'callback') return Promise.reject('Unauthorized')
      if (token === 'malformed') return { policyDocument: {} }
      if (token !== 'good') throw new Error('Unauthorized')
      return policy('Allow', 'u1')(event)
    }
    const { gw } = await start({ routes: { $connect: connect.handler }, authorizer })
    expect(await refused(gw.url)).toBe('Unexpected server response: 401')
    expect(await refused(`${gw.url}?token=deny`)).toBe('Unexpected server response: 403')
    expect(await refused(`${gw.url}?token=crash`)).toBe('Unexpected server response: 500')
    expect(await refused(`${gw.url}?token=failed`)).toBe('Unexpected server response: 500')
    expect(await refused(`${gw.url}?token=callback`)).toBe('Unexpected server response: 401')
    expect(await refused(`${gw.url}?token=malformed`)).toBe('Unexpected server response: 500')
    expect(connect.events).toEqual([])
    await connected(`${gw.url}?token=good`)
    expect(connect.events).toHaveLength(1)
  })

  it('receives the REQUEST event and its context reaches every later event', async () => {
    const seen = recorder()
    let authEvent: any
    const authorizer = async (event: any) => {
      authEvent = event
      return policy('Allow', 'user-7', { tenant: 'acme', admin: true, n: 3, team: null })(event)
    }
    const { gw } = await start({ handler: seen.handler, authorizer })
    const c = await connected(`${gw.url}?token=t`)
    expect(authEvent.type).toBe('REQUEST')
    expect(authEvent.methodArn).toMatch(/^arn:aws:execute-api:[a-z0-9-]+:\d{12}:local\/dev\/\$connect$/)
    expect(authEvent.queryStringParameters).toEqual({ token: 't' })
    expect(Object.keys(authEvent.headers).map((k) => k.toLowerCase())).toContain('upgrade')
    c.ws.send('hello')
    await seen.waitFor((e) => e.requestContext.eventType === 'MESSAGE')
    c.ws.close()
    await seen.waitFor((e) => e.requestContext.eventType === 'DISCONNECT')
    for (const event of seen.events) {
      // As API Gateway passes the context on: numbers and booleans as strings, null kept.
      expect(event.requestContext.authorizer).toMatchObject({
        principalId: 'user-7',
        tenant: 'acme',
        admin: 'true',
        n: '3',
        team: null,
      })
      expect(typeof event.requestContext.authorizer.integrationLatency).toBe('number')
    }
    expect(seen.events.map((e) => e.requestContext.eventType)).toEqual(['CONNECT', 'MESSAGE', 'DISCONNECT'])
  })

  it('uses the App’s own authorizer when it registered one', async () => {
    const app = new App({ logLevel: 'silent' })
    app.authorizer((_ctx, event) => {
      const token = event.queryStringParameters?.token
      if (token === 'crash') throw new Error('Failed')
      if (token !== 'ok') throw new AppError('unauthorized', 'no token')
      return { principalId: 'p1', context: { plan: 'pro' } }
    })
    app.webSocket('whoami', (ctx) => ({
      principal: ctx.asWebSocket().principalId,
      auth: ctx.asWebSocket().authorizer,
    }))
    const { gw } = await start({ handler: app.handler, routeResponses: true })
    expect(await refused(gw.url)).toBe('Unexpected server response: 401')
    expect(await refused(`${gw.url}?token=crash`)).toBe('Unexpected server response: 500')
    const c = await connected(`${gw.url}?token=ok`)
    c.ws.send('{"action":"whoami"}')
    const reply = JSON.parse((await c.next()).data)
    expect(reply.principal).toBe('p1')
    expect(reply.auth.plan).toBe('pro')
  })
})
