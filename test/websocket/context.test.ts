import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { Context } from '../../src/app/context.js'
import { AppError } from '../../src/errors.js'
import { GoneError, StreamerValidationError } from '../../src/streamer/errors.js'
import type { WebSocketContext } from '../../src/websocket/context.js'
import { harness, lambdaContext } from '../app/helpers.js'
import { sample } from '../events/samples/index.js'

// Every field of ctx.asWebSocket(), read off real-capture-shaped events through the App.

const chrome =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36'

async function viewOf(event: unknown, route = event && (event as any).requestContext.routeKey) {
  const h = harness()
  let ws: WebSocketContext | undefined
  h.app.webSocket(route, (ctx: Context) => {
    ws = ctx.asWebSocket()
  })
  const result = await h.app.handler(event, lambdaContext())
  expect(result).toStrictEqual({ statusCode: 200 })
  return ws!
}

function fields(ws: WebSocketContext) {
  return {
    connectionId: ws.connectionId,
    routeKey: ws.routeKey,
    eventType: ws.eventType,
    stage: ws.stage,
    domainName: ws.domainName,
    apiId: ws.apiId,
    region: ws.region,
    managementEndpoint: ws.managementEndpoint,
    requestId: ws.requestId,
    messageId: ws.messageId,
    connectedAt: ws.connectedAt,
    requestTimeEpoch: ws.requestTimeEpoch,
    requestTimeText: ws.requestTimeText,
    sourceIp: ws.sourceIp,
    userAgent: ws.userAgent,
    authorizer: ws.authorizer,
    principalId: ws.principalId,
    disconnectStatusCode: ws.disconnectStatusCode,
    disconnectReason: ws.disconnectReason,
  }
}

const common = {
  connectionId: 'R1kmxc2VNjMCFIA=',
  stage: 'prod',
  domainName: 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com',
  apiId: 'dl7ptocha9',
  region: 'ap-northeast-1',
  managementEndpoint: 'https://dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com/prod',
  connectedAt: 1705751697419,
  sourceIp: '49.105.91.154',
  userAgent: chrome,
  authorizer: undefined,
  principalId: undefined,
}

describe('request time, named so the number and the CLF text cannot be mixed up', () => {
  it('requestTimeEpoch is the number, requestTimeText the CLF string, requestTime a deprecated alias of the number', async () => {
    const ws = await viewOf(sample('ws-message'))
    expect(ws.requestTimeEpoch).toBe(ws.event.requestContext.requestTimeEpoch)
    expect(ws.requestTimeText).toBe(ws.event.requestContext.requestTime)
    expect(ws.requestTime).toBe(ws.requestTimeEpoch)
  })
})

describe('asWebSocket() on real-capture-shaped events', () => {
  it('MESSAGE (the semantics page sample)', async () => {
    const ws = await viewOf(sample('ws-message'))
    expect(fields(ws)).toStrictEqual({
      ...common,
      routeKey: '$default',
      eventType: 'MESSAGE',
      requestId: 'R1knPH17NjMFftw=',
      messageId: 'R1knPc2ntjMCFIA=',
      requestTimeEpoch: 1705751700453,
      requestTimeText: '20/Jan/2024:11:55:00 +0000',
      disconnectStatusCode: undefined,
      disconnectReason: undefined,
    })
    expect(ws.text()).toBe('{"action":"sendmessage","message":"hi"}')
    expect(ws.json()).toStrictEqual({ action: 'sendmessage', message: 'hi' })
    expect(Buffer.from(ws.body).toString('utf8')).toBe(ws.text())
    expect(ws.body).toBeInstanceOf(Uint8Array)
    // No handshake on a message: no headers, no query, no protocols.
    expect(ws.headers).toStrictEqual({})
    expect(ws.query).toStrictEqual({})
    expect(ws.protocols).toStrictEqual([])
  })

  it('DISCONNECT (the aws-lambda-go capture): close code 1001 and an empty reason', async () => {
    const ws = await viewOf(sample('ws-disconnect'))
    expect(fields(ws)).toStrictEqual({
      ...common,
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      requestId: 'R1koeHsUtjMFbRw=',
      messageId: undefined,
      requestTimeEpoch: 1705751708326,
      requestTimeText: '20/Jan/2024:11:55:08 +0000',
      disconnectStatusCode: 1001,
      disconnectReason: '',
    })
    expect(ws.headers).toStrictEqual({
      host: 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com',
      'x-api-key': '',
      'x-forwarded-for': '',
      'x-restapi': '',
    })
    expect(ws.text()).toBe('')
    expect(ws.body.byteLength).toBe(0)
  })

  it('CONNECT: handshake headers (lower-cased), query and offered subprotocols', async () => {
    const ws = await viewOf(sample('ws-connect'))
    expect(fields(ws)).toStrictEqual({
      ...common,
      routeKey: '$connect',
      eventType: 'CONNECT',
      requestId: 'R1kmxFn0NjMFpjw=',
      messageId: undefined,
      requestTimeEpoch: 1705751697420,
      requestTimeText: '20/Jan/2024:11:54:57 +0000',
      disconnectStatusCode: undefined,
      disconnectReason: undefined,
    })
    expect(ws.headers['sec-websocket-key']).toBe('hBdDQhGq7ZGZrmNKfzdXDg==')
    expect(ws.header('Origin')).toBe('https://chat.example.com')
    expect(ws.header('X-FORWARDED-FOR')).toBe('49.105.91.154')
    expect(ws.header('connection')).toBeUndefined()
    expect(ws.query).toStrictEqual({ room: 'lobby', token: 'abc' })
    expect(ws.protocols).toStrictEqual(['chat.v2', 'chat.v1'])
  })

  it('a custom route on a custom domain, with the authorizer context and no user agent', async () => {
    const ws = await viewOf(sample('ws-message-custom-route-authorized'))
    expect(fields(ws)).toMatchObject({
      routeKey: 'sendmessage',
      eventType: 'MESSAGE',
      domainName: 'chat.example.com',
      managementEndpoint: 'https://chat.example.com',
      userAgent: undefined,
      principalId: 'user-42',
      authorizer: { principalId: 'user-42', integrationLatency: 18, tenant: 'acme', role: 'member' },
    })
  })

  it('decodes a base64 body', async () => {
    const event = sample('ws-message')
    event.body = Buffer.from('héllo').toString('base64')
    event.isBase64Encoded = true
    const ws = await viewOf(event)
    expect(ws.text()).toBe('héllo')
    expect(Buffer.from(ws.body).toString('utf8')).toBe('héllo')
  })

  it('returns the same view for the whole invocation', async () => {
    const h = harness()
    const seen: WebSocketContext[] = []
    h.app.use(async (ctx, next) => {
      seen.push(ctx.asWebSocket())
      return next()
    })
    h.app.webSocket('$default', (ctx) => {
      seen.push(ctx.asWebSocket())
    })
    await h.app.handler(sample('ws-message'))
    expect(seen[0]).toBe(seen[1])
  })
})

describe('sending back', () => {
  it('send(string | bytes) and sendJSON(value) post to this connection through the derived endpoint', async () => {
    const h = harness()
    h.open('R1kmxc2VNjMCFIA=')
    h.app.webSocket('$default', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.send('plain')
      await ws.send(new TextEncoder().encode('bytes'))
      await ws.sendJSON({ echo: ws.json() })
    })
    expect(await h.app.handler(sample('ws-message'))).toStrictEqual({ statusCode: 200 })
    expect(h.delivered).toStrictEqual([
      { connectionId: 'R1kmxc2VNjMCFIA=', text: 'plain' },
      { connectionId: 'R1kmxc2VNjMCFIA=', text: 'bytes' },
      { connectionId: 'R1kmxc2VNjMCFIA=', text: '{"echo":{"action":"sendmessage","message":"hi"}}' },
    ])
    // Every send went to the endpoint derived from the event.
    expect(new Set(h.clients.map((c) => c.endpoint))).toStrictEqual(
      new Set(['https://dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com/prod']),
    )
  })

  it('sendJSON of a value JSON refuses rejects with StreamerValidationError, never a synchronous throw', async () => {
    const h = harness()
    h.open('R1kmxc2VNjMCFIA=')
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const outcomes: unknown[] = []
    h.app.webSocket('$default', (ctx) => {
      const ws = ctx.asWebSocket()
      // Called without await: a synchronous throw would escape to the App as a 500.
      const pending = [circular, { n: 1n }, undefined].map((v) => ws.sendJSON(v).catch((e: unknown) => e))
      return Promise.all(pending).then((all) => {
        outcomes.push(...all)
      })
    })
    expect(await h.app.handler(sample('ws-message'))).toStrictEqual({ statusCode: 200 })
    expect(outcomes).toHaveLength(3)
    for (const e of outcomes) {
      expect(e).toBeInstanceOf(StreamerValidationError)
      expect(e).toMatchObject({ status: 400, connectionId: 'R1kmxc2VNjMCFIA=' })
    }
    expect(h.delivered).toStrictEqual([])
  })

  it('info() returns what GetConnection says; disconnect() closes the connection', async () => {
    const h = harness()
    h.open('R1kmxc2VNjMCFIA=', { userAgent: 'ua/1' })
    let info: unknown
    h.app.webSocket('$default', async (ctx) => {
      const ws = ctx.asWebSocket()
      info = await ws.info()
      await ws.disconnect()
    })
    await h.app.handler(sample('ws-message'))
    expect(info).toMatchObject({
      connectionId: 'R1kmxc2VNjMCFIA=',
      sourceIp: '49.105.91.154',
      userAgent: 'ua/1',
    })
    expect((info as { connectedAt: Date }).connectedAt).toStrictEqual(new Date(1705751697419))
    expect(h.closed).toStrictEqual(['R1kmxc2VNjMCFIA='])
    expect(h.model.state('R1kmxc2VNjMCFIA=')).toBe('closed')
  })

  it('disconnect() of a connection that is already gone counts as done', async () => {
    const h = harness()
    h.app.webSocket('$default', (ctx) => ctx.asWebSocket().disconnect())
    expect(await h.app.handler(sample('ws-message'))).toStrictEqual({ statusCode: 200 })
  })

  it('send() during $connect is a 410, as AWS answers: the connection is not established yet', async () => {
    const h = harness()
    let error: unknown
    h.app.webSocket('$connect', async (ctx) => {
      try {
        await ctx.asWebSocket().send('too early')
      } catch (e) {
        error = e
      }
    })
    await h.app.handler(sample('ws-connect'))
    expect(error).toBeInstanceOf(GoneError)
    expect((error as GoneError).status).toBe(410)
    expect(h.delivered).toStrictEqual([])
  })

  it('management calls carry a deadline before the Lambda deadline', async () => {
    const h = harness({ deadlineMarginMs: 500 })
    let options: unknown
    h.app.webSocket('$default', (ctx) => {
      options = ctx.callOptions()
    })
    const before = Date.now()
    await h.app.handler(sample('ws-message'), lambdaContext('x', 3000))
    const deadline = (options as { deadline: number }).deadline
    expect(deadline).toBeGreaterThanOrEqual(before + 2500)
    expect(deadline).toBeLessThanOrEqual(Date.now() + 2500)
  })
})

describe('json() with a Standard Schema (zod)', () => {
  const Message = z.object({
    action: z.literal('sendmessage'),
    message: z
      .string()
      .min(1)
      .transform((s) => s.toUpperCase()),
  })

  it('returns the validated, transformed value', async () => {
    const h = harness()
    let value: unknown
    h.app.webSocket('$default', (ctx) => {
      value = ctx.asWebSocket().json(Message)
    })
    await h.app.handler(sample('ws-message'))
    expect(value).toStrictEqual({ action: 'sendmessage', message: 'HI' })
  })

  it('an invalid body is a bad_request naming the path, with the issues as details', async () => {
    const h = harness()
    let error: unknown
    h.app.webSocket('$default', (ctx) => {
      try {
        ctx.asWebSocket().json(Message)
      } catch (e) {
        error = e
        throw e
      }
    })
    h.open('R1kmxc2VNjMCFIA=')
    const event = sample('ws-message')
    event.body = '{"action":"sendmessage","message":""}'
    const result = await h.app.handler(event)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('bad_request')
    expect((error as AppError).message).toMatch(/^Invalid body at message: /)
    expect(result).toStrictEqual({ statusCode: 400 })
    // The sender gets the envelope through @connections.
    const body = JSON.parse(h.delivered[0]!.text)
    expect(body.error.code).toBe('bad_request')
    expect(body.error.details).toStrictEqual([{ path: 'message', message: expect.any(String) }])
  })

  it('an async schema needs jsonAsync(); json() refuses it without leaking why to the client', async () => {
    const Slow = z.object({ action: z.string() }).refine(async () => true)
    const h = harness()
    let value: unknown
    h.app.webSocket('sendmessage', async (ctx) => {
      value = await ctx.asWebSocket().jsonAsync(Slow)
    })
    h.app.webSocket('$default', (ctx) => ctx.asWebSocket().json(Slow))
    const event = sample('ws-message-custom-route-authorized')
    await h.app.handler(event)
    expect(value).toStrictEqual({ action: 'sendmessage' })
    // A programming error: the invocation fails (the client gets "Internal server error").
    const error = await h.app.handler(sample('ws-message')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(h.delivered).toStrictEqual([])
    expect(h.logs.some((l) => l.level === 'error' && JSON.stringify(l).includes('jsonAsync'))).toBe(true)
  })
})

describe('not_websocket', () => {
  it('asWebSocket() on an HTTP event throws a typed not_websocket error', async () => {
    const h = harness()
    let error: unknown
    h.app.get('/posts/:id/comments', (ctx) => {
      try {
        ctx.asWebSocket()
      } catch (e) {
        error = e
      }
      return 'ok'
    })
    const result = await h.app.handler(sample('http-v2'))
    expect(result.statusCode).toBe(200)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('not_websocket')
    expect((error as AppError).message).toBe('asWebSocket() called on a http event')
  })

  it('left uncaught it is a 500 with code not_websocket and no internal message', async () => {
    const h = harness()
    h.app.post('/posts/:id/comments', (ctx) => ctx.asWebSocket().connectionId)
    const result = await h.app.handler(sample('rest-v1'))
    expect(result.statusCode).toBe(500)
    expect(JSON.parse(result.body)).toStrictEqual({
      error: {
        code: 'not_websocket',
        message: 'Internal server error',
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      },
    })
  })
})
