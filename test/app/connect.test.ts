import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/index.js'
import { sample } from '../events/samples/index.js'
import { harness } from './helpers.js'

// $connect: the handler's result decides the handshake (semantics page, section 2).

describe('$connect accept and reject', () => {
  it('returning nothing accepts (200)', async () => {
    const { app } = harness()
    app.webSocket('$connect', async () => {})
    expect(await app.handler(sample('ws-connect'))).toStrictEqual({ statusCode: 200 })
  })

  it('ctx.reject(401) refuses the handshake with 401 and the error envelope', async () => {
    const { app, logs } = harness()
    app.webSocket('$connect', (ctx) => {
      if (ctx.asWebSocket().query.token !== 'good') ctx.reject(401)
    })
    const result = await app.handler(sample('ws-connect'))
    expect(result).toStrictEqual({
      statusCode: 401,
      headers: { 'content-type': 'application/json' },
      body: '{"error":{"code":"unauthorized","message":"Unauthorized","requestId":"R1kmxFn0NjMFpjw="}}',
    })
    // A refusal is an outcome, not a failure: logged at info, with the route and code.
    expect(logs).toStrictEqual([
      expect.objectContaining({ level: 'info', route: '$connect', code: 'unauthorized', status: 401 }),
    ])
  })

  it.each([
    [() => new AppError('forbidden', 'Room is private'), 403, 'forbidden', 'Room is private'],
    [() => new AppError('rate_limited'), 429, 'rate_limited', 'Too many requests'],
    [() => AppError.fromStatus(409, 'Already connected'), 409, 'conflict', 'Already connected'],
    [() => new AppError('banned', 'You are banned', { status: 403 }), 403, 'banned', 'You are banned'],
  ])('a thrown AppError refuses with its status (%#)', async (make, status, code, message) => {
    const { app } = harness()
    app.webSocket('$connect', () => {
      throw make()
    })
    const result = await app.handler(sample('ws-connect'))
    expect(result.statusCode).toBe(status)
    expect(JSON.parse(result.body).error).toStrictEqual({ code, message, requestId: 'R1kmxFn0NjMFpjw=' })
  })

  it('any other error refuses with 500 and leaks nothing; the log has it with the request id', async () => {
    const { app, logs } = harness()
    app.webSocket('$connect', () => {
      throw new Error('connect ECONNREFUSED 10.0.3.7:5432 (password=hunter2)')
    })
    const result = await app.handler(sample('ws-connect'))
    expect(result.statusCode).toBe(500)
    expect(result.body).not.toMatch(/ECONNREFUSED|hunter2|10\.0\.3\.7/)
    expect(JSON.parse(result.body).error).toStrictEqual({
      code: 'internal',
      message: 'Internal server error',
      requestId: 'R1kmxFn0NjMFpjw=',
    })
    expect(logs).toStrictEqual([
      expect.objectContaining({
        level: 'error',
        requestId: 'R1kmxFn0NjMFpjw=',
        route: '$connect',
        error: expect.objectContaining({ message: expect.stringContaining('ECONNREFUSED') }),
      }),
    ])
  })
})

describe('subprotocols', () => {
  it('acceptProtocol() echoes the chosen protocol in the handshake response headers', async () => {
    const { app } = harness()
    app.webSocket('$connect', (ctx) => {
      const ws = ctx.asWebSocket()
      expect(ws.protocols).toStrictEqual(['chat.v2', 'chat.v1'])
      ws.acceptProtocol('chat.v1')
    })
    expect(await app.handler(sample('ws-connect'))).toStrictEqual({
      statusCode: 200,
      headers: { 'Sec-WebSocket-Protocol': 'chat.v1' },
    })
  })

  it('keeps headers a handler returned itself', async () => {
    const { app } = harness()
    app.webSocket('$connect', (ctx) => {
      ctx.asWebSocket().acceptProtocol('chat.v2')
      return { statusCode: 200, headers: { 'x-extra': '1' } }
    })
    expect(await app.handler(sample('ws-connect'))).toStrictEqual({
      statusCode: 200,
      headers: { 'x-extra': '1', 'Sec-WebSocket-Protocol': 'chat.v2' },
    })
  })

  it('refuses a protocol the client did not offer: the handshake fails with 400 instead of a broken 101', async () => {
    const { app } = harness()
    app.webSocket('$connect', (ctx) => ctx.asWebSocket().acceptProtocol('chat.v3'))
    const result = await app.handler(sample('ws-connect'))
    expect(result.statusCode).toBe(400)
    expect(JSON.parse(result.body).error.message).toBe('Subprotocol "chat.v3" was not offered by the client')
  })

  it('acceptProtocol() is refused outside $connect', async () => {
    const { app } = harness()
    let error: unknown
    app.webSocket('$default', (ctx) => {
      try {
        ctx.asWebSocket().acceptProtocol('chat.v1')
      } catch (e) {
        error = e
      }
    })
    await app.handler(sample('ws-message'))
    expect(error).toBeInstanceOf(AppError)
    expect((error as Error).message).toMatch(/only meaningful on \$connect/)
  })

  it('without acceptProtocol() no protocol header is sent', async () => {
    const { app } = harness()
    app.webSocket('$connect', () => {})
    expect((await app.handler(sample('ws-connect'))).headers).toBeUndefined()
  })
})

describe('MESSAGE and DISCONNECT results', () => {
  it('a value returned from a message route becomes the route-response body', async () => {
    const { app } = harness()
    app.webSocket('$default', () => ({ ok: true }))
    app.webSocket('sendmessage', () => 'plain text')
    expect(await app.handler(sample('ws-message'))).toStrictEqual({ statusCode: 200, body: '{"ok":true}' })
    expect(await app.handler(sample('ws-message-custom-route-authorized'))).toStrictEqual({
      statusCode: 200,
      body: 'plain text',
    })
  })

  it('bytes are returned as text, and a full result object passes through', async () => {
    const { app } = harness()
    app.webSocket('$default', () => new TextEncoder().encode('bytes'))
    app.webSocket('sendmessage', () => ({ statusCode: 202, body: 'queued' }))
    expect(await app.handler(sample('ws-message'))).toStrictEqual({ statusCode: 200, body: 'bytes' })
    expect(await app.handler(sample('ws-message-custom-route-authorized'))).toStrictEqual({
      statusCode: 202,
      body: 'queued',
    })
  })

  it('a value that cannot be serialised fails the invocation (the client gets "Internal server error"), logged, never unhandled', async () => {
    const { app, logs } = harness()
    app.webSocket('$default', () => ({ big: 10n }))
    app.webSocket('sendmessage', async () => {
      const cycle: Record<string, unknown> = {}
      cycle.self = cycle
      return cycle
    })
    await expect(app.handler(sample('ws-message'))).rejects.toBeInstanceOf(TypeError)
    await expect(app.handler(sample('ws-message-custom-route-authorized'))).rejects.toBeInstanceOf(TypeError)
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(2)
  })

  it('any thenable a route returns is awaited', async () => {
    const { app } = harness()
    // biome-ignore lint/suspicious/noThenProperty: a non-native thenable is the point of this test
    app.webSocket('$default', () => ({ then: (resolve: (v: unknown) => void) => resolve('later') }))
    expect(await app.handler(sample('ws-message'))).toStrictEqual({ statusCode: 200, body: 'later' })
  })
})
