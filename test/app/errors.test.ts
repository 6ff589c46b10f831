import { describe, expect, it } from 'vitest'
import { AppError, ERROR_STATUS, errorEnvelope, isAppError } from '../../src/index.js'
import { sample } from '../events/samples/index.js'
import { harness } from './helpers.js'

describe('AppError', () => {
  it.each([
    ['bad_request', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['route_not_found', 404],
    ['method_not_allowed', 405],
    ['payload_too_large', 413],
    ['rate_limited', 429],
    ['internal', 500],
    ['not_websocket', 500],
    ['unknown_event', 500],
  ])('%s is %i', (code, status) => {
    expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS]).toBe(status)
    const error = new AppError(code)
    expect(error.status).toBe(status)
    expect(error.code).toBe(code)
    expect(error).toBeInstanceOf(Error)
    expect(isAppError(error)).toBe(true)
  })

  it('a custom code takes the status given, else 500', () => {
    expect(new AppError('quota_exceeded', 'Out of quota', { status: 402 }).status).toBe(402)
    expect(new AppError('quota_exceeded').status).toBe(500)
    // Names of Object.prototype members are codes like any other, not statuses.
    expect(new AppError('toString').status).toBe(500)
    expect(new AppError('__proto__').status).toBe(500)
  })

  it('a status that is not an error status becomes 500 (the gateway would answer 502 for it)', () => {
    for (const status of [200, 302, 42, 600, 401.5, Number.NaN]) {
      expect(new AppError('odd', 'x', { status }).status).toBe(500)
    }
  })

  it('fromStatus picks the stable code for a status', () => {
    expect(AppError.fromStatus(401).code).toBe('unauthorized')
    expect(AppError.fromStatus(404).code).toBe('not_found')
    expect(AppError.fromStatus(409).code).toBe('conflict')
    expect(AppError.fromStatus(418).code).toBe('bad_request')
    expect(AppError.fromStatus(502).code).toBe('internal')
    expect(AppError.fromStatus(401).message).toBe('Unauthorized')
  })

  it('isAppError is false for other errors and values', () => {
    expect(isAppError(new Error('x'))).toBe(false)
    expect(isAppError({ code: 'bad_request', status: 400 })).toBe(false)
  })
})

describe('the error envelope', () => {
  it('is {"error":{"code","message","requestId"}} with details only when given and exposed', () => {
    expect(errorEnvelope(new AppError('forbidden'), 'r1')).toStrictEqual({
      status: 403,
      body: { error: { code: 'forbidden', message: 'Forbidden', requestId: 'r1' } },
    })
    expect(
      errorEnvelope(new AppError('bad_request', 'Bad name', { details: [{ path: 'name' }] }), 'r2').body,
    ).toStrictEqual({
      error: { code: 'bad_request', message: 'Bad name', requestId: 'r2', details: [{ path: 'name' }] },
    })
  })

  it('anything that is not an AppError is 500 internal with a generic message', () => {
    for (const thrown of [
      new Error('secret'),
      new TypeError('x is undefined'),
      'a string',
      undefined,
      null,
      { message: 'secret' },
    ]) {
      expect(errorEnvelope(thrown, 'r')).toStrictEqual({
        status: 500,
        body: { error: { code: 'internal', message: 'Internal server error', requestId: 'r' } },
      })
    }
  })

  it('a 5xx AppError keeps its code but not its message or details, unless exposed on purpose', () => {
    const hidden = new AppError('internal', 'pool exhausted at db-3', { details: { host: 'db-3' } })
    expect(errorEnvelope(hidden, 'r').body.error).toStrictEqual({
      code: 'internal',
      message: 'Internal server error',
      requestId: 'r',
    })
    expect(errorEnvelope(new AppError('unavailable', 'x'), 'r').body.error.message).toBe(
      'Service unavailable',
    )
    const shown = new AppError('unavailable', 'Down for maintenance until 12:00', { expose: true })
    expect(errorEnvelope(shown, 'r')).toStrictEqual({
      status: 503,
      body: { error: { code: 'unavailable', message: 'Down for maintenance until 12:00', requestId: 'r' } },
    })
    // And a 4xx can be hidden too.
    expect(
      errorEnvelope(new AppError('forbidden', 'rule 17 of acl.json', { expose: false }), 'r').body.error
        .message,
    ).toBe('Forbidden')
  })
})

describe('errors through the App', () => {
  it.each([
    ['an Error', () => new Error('SELECT * FROM users failed: password=hunter2')],
    ['a string', () => 'hunter2'],
    ['undefined', () => undefined],
    ['an object', () => ({ message: 'hunter2' })],
  ])(
    'a thrown %s: 500 internal on HTTP, nothing leaked; on a MESSAGE route the invocation fails (API Gateway sends "Internal server error"); logged with the request id',
    async (_what, make) => {
      const h = harness()
      h.open('R1kmxc2VNjMCFIA=')
      const thrown = make()
      h.app.webSocket('$default', () => {
        throw thrown
      })
      h.app.get('/posts/:id/comments', async () => {
        throw make()
      })
      // A one-way route drops the result: only a failed invocation tells the client.
      const ws = await h.app.handler(sample('ws-message')).then(
        (value) => ({ resolved: value }),
        (error: unknown) => ({ rejected: error }),
      )
      expect(ws).toStrictEqual({ rejected: thrown })
      expect(h.delivered).toStrictEqual([])
      const http = await h.app.handler(sample('http-v2'))
      expect(http.statusCode).toBe(500)
      expect(http.headers['content-type']).toBe('application/json')
      expect(http.body).not.toMatch(/hunter2|SELECT/)
      expect(JSON.parse(http.body)).toStrictEqual({
        error: { code: 'internal', message: 'Internal server error', requestId: 'LV7fzho-PHcEJPw=' },
      })
      expect(h.logs.map((l) => [l.level, l.message, l.requestId])).toStrictEqual([
        ['error', 'handler failed', 'R1knPH17NjMFftw='],
        ['error', 'handler failed', 'LV7fzho-PHcEJPw='],
      ])
    },
  )

  it('invalid JSON in ws.json() is a bad_request (400), sent to the sender as the envelope', async () => {
    const h = harness()
    h.open('R1kmxc2VNjMCFIA=')
    h.app.webSocket('$default', (ctx) => ctx.asWebSocket().json())
    const event = sample('ws-message')
    event.body = '{"action": "sendmessage",'
    const result = await h.app.handler(event)
    // No body: a route with a route response would otherwise deliver the envelope twice.
    expect(result).toStrictEqual({ statusCode: 400 })
    expect(h.delivered).toHaveLength(1)
    expect(h.delivered[0]!.connectionId).toBe('R1kmxc2VNjMCFIA=')
    expect(JSON.parse(h.delivered[0]!.text).error).toStrictEqual({
      code: 'bad_request',
      message: 'Request body is not valid JSON',
      requestId: 'R1knPH17NjMFftw=',
    })
  })

  it('an AppError on a MESSAGE route whose sender is gone: logged, the result still says 4xx', async () => {
    const h = harness()
    h.app.webSocket('$default', (ctx) => ctx.reject(403))
    const result = await h.app.handler(sample('ws-message'))
    expect(result).toStrictEqual({ statusCode: 403 })
    expect(h.delivered).toStrictEqual([])
    expect(h.logs.map((l) => l.message)).toContain('could not send the error envelope to the sender')
  })

  it('invalid JSON in ctx.req.json() is a bad_request too', async () => {
    const h = harness()
    h.app.post('/posts/:id/comments', (ctx) => ctx.req.json())
    const event = sample('rest-v1')
    event.body = 'not json'
    const result = await h.app.handler(event)
    expect(result.statusCode).toBe(400)
    expect(JSON.parse(result.body).error.code).toBe('bad_request')
  })

  it('an AppError carries its headers into an HTTP response', async () => {
    const h = harness()
    h.app.get('/posts/:id/comments', () => {
      throw new AppError('rate_limited', 'Slow down', { headers: { 'retry-after': '3' } })
    })
    const result = await h.app.handler(sample('http-v2'))
    expect(result.statusCode).toBe(429)
    expect(result.headers).toStrictEqual({ 'content-type': 'application/json', 'retry-after': '3' })
  })
})
