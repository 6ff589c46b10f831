import { afterEach, describe, expect, it } from 'vitest'
import { App, AppError, StreamerValidationError, UnknownEventError } from '../../src/index.js'
import { sample } from '../events/samples/index.js'
import { harness, lambdaContext } from './helpers.js'

// Behaviours an independent audit of the App against issue 2 found missing; each is
// checked through app.handler on the real-capture samples.

const ENV = 'SOCKETEER_MANAGEMENT_ENDPOINT'
afterEach(() => {
  delete process.env[ENV]
})

describe('request ids', () => {
  it('ws.requestId is ctx.requestId: the event’s, else the Lambda’s, else a fresh one', async () => {
    const h = harness()
    const seen: Array<[string, string]> = []
    h.app.webSocket('$default', (ctx) => {
      seen.push([ctx.requestId, ctx.asWebSocket().requestId])
    })
    await h.app.handler(sample('ws-message'), lambdaContext('L1'))
    const noId = sample('ws-message')
    delete noId.requestContext.requestId
    await h.app.handler(noId, lambdaContext('L1'))
    await h.app.handler(noId)
    expect(seen[0]).toEqual(['R1knPH17NjMFftw=', 'R1knPH17NjMFftw='])
    expect(seen[1]).toEqual(['L1', 'L1'])
    expect(seen[2]?.[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(seen[2]?.[1]).toBe(seen[2]?.[0])
  })

  it('failure logs carry the request id when the user passes a logger instance', async () => {
    const lines: Array<Record<string, unknown>> = []
    const logger = {
      debug() {},
      info: (message: string, fields?: Record<string, unknown>) => lines.push({ ...fields, message }),
      warn: (message: string, fields?: Record<string, unknown>) => lines.push({ ...fields, message }),
      error: (message: string, fields?: Record<string, unknown>) => lines.push({ ...fields, message }),
    }
    const app = new App({ logger })
    app.webSocket('$default', () => {
      throw new Error('x')
    })
    app.webSocket('$connect', (ctx) => ctx.reject(401))
    await expect(app.handler(sample('ws-message'))).rejects.toThrow('x')
    await app.handler(sample('ws-connect'))
    expect(lines.map((l) => [l.message, l.requestId])).toEqual([
      ['handler failed', 'R1knPH17NjMFftw='],
      ['request rejected', sample('ws-connect').requestContext.requestId],
    ])
  })
})

describe('error responses', () => {
  it('only an AppError adds headers; a thrown object’s headers are not sent', async () => {
    const h = harness()
    h.app.get('/posts/:id/comments', () => {
      throw { message: 'secret', headers: { 'x-internal': 'leak' } }
    })
    const result = await h.app.handler(sample('http-v2'))
    expect(result.statusCode).toBe(500)
    expect(result.headers).toEqual({ 'content-type': 'application/json' })
    expect(result.body).not.toMatch(/secret/)
  })

  it('an AppError’s headers reach the WebSocket result too (e.g. Retry-After on a refused $connect)', async () => {
    const h = harness()
    h.app.webSocket('$connect', () => {
      throw new AppError('rate_limited', 'slow down', { headers: { 'Retry-After': '5' } })
    })
    const result = await h.app.handler(sample('ws-connect'))
    expect(result.statusCode).toBe(429)
    expect(result.headers).toEqual({ 'content-type': 'application/json', 'Retry-After': '5' })
  })

  it('ctx.reject with a status outside 400–599 gives 500 internal; an unlisted 4xx a readable message', async () => {
    const h = harness()
    h.app.webSocket('$connect', (ctx) => ctx.reject(Number(ctx.asWebSocket().query.status)))
    const connect = (status: string) => {
      const event = sample('ws-connect')
      event.queryStringParameters = { status }
      return h.app.handler(event)
    }
    const redirect = await connect('302')
    expect(redirect.statusCode).toBe(500)
    expect(JSON.parse(redirect.body).error).toMatchObject({
      code: 'internal',
      message: 'Internal server error',
    })
    const teapot = await connect('418')
    expect(teapot.statusCode).toBe(418)
    expect(JSON.parse(teapot.body).error).toMatchObject({ code: 'bad_request', message: 'Request failed' })
  })
})

describe('the signing region', () => {
  it('comes from an explicit endpoint’s host, not from the event’s domain', async () => {
    const h = harness({ managementEndpoint: 'wss://abc123defg.execute-api.eu-west-1.amazonaws.com/prod' })
    h.app.webSocket('$default', (ctx) => ctx.asWebSocket().send('hi'))
    h.open(sample('ws-message').requestContext.connectionId)
    await h.app.handler(sample('ws-message'))
    expect(h.clients).toEqual([
      { endpoint: 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod', region: 'eu-west-1' },
    ])
  })

  it('an endpoint set by the environment wins over the event’s domain the same way', async () => {
    process.env[ENV] = 'https://abc123defg.execute-api.sa-east-1.amazonaws.com/dev'
    const h = harness()
    h.app.webSocket('$default', (ctx) => ctx.asWebSocket().region)
    const result = await h.app.handler(sample('ws-message'))
    expect(result.body).toBe('sa-east-1')
  })

  it('a malformed or stage-less explicit endpoint fails when the App is made, not on the first send', () => {
    expect(() => new App({ managementEndpoint: 'https://exa mple.com/x' })).toThrow(StreamerValidationError)
    expect(
      () => new App({ managementEndpoint: 'https://abc123defg.execute-api.eu-west-1.amazonaws.com' }),
    ).toThrow(/has no stage/)
  })
})

describe('HTTP routes without a match', () => {
  it('app middleware runs around the 404 and 405, so a CORS middleware can answer a preflight', async () => {
    const h = harness()
    const seen: string[] = []
    h.app.use(async (ctx, next) => {
      seen.push(ctx.req.method)
      if (ctx.req.method === 'OPTIONS')
        return { statusCode: 204, headers: { 'access-control-allow-origin': '*' } }
      return next()
    })
    h.app.get('/posts/:id/comments', () => 'ok')
    const preflight = sample('http-v2')
    preflight.requestContext.http.method = 'OPTIONS'
    const options = await h.app.handler(preflight)
    expect(options).toMatchObject({ statusCode: 204, headers: { 'access-control-allow-origin': '*' } })

    const missing = sample('http-v2')
    missing.rawPath = '/nope'
    missing.requestContext.http.path = '/nope'
    const notFound = await h.app.handler(missing)
    expect(notFound.statusCode).toBe(404)
    expect(seen).toEqual(['OPTIONS', 'GET'])
    // The route's own miss is an answer, not a failure: nothing is logged for it.
    expect(h.logs).toEqual([])
  })

  it('a middleware may add headers to the 405 it lets through', async () => {
    const h = harness()
    h.app.use(async (_ctx, next) => {
      try {
        return await next()
      } catch (error) {
        if (error instanceof AppError) {
          throw new AppError(error.code, error.message, {
            status: error.status,
            headers: { ...error.headers, 'x-seen': '1' },
          })
        }
        throw error
      }
    })
    h.app.get('/posts/:id/comments', () => 'ok')
    const del = sample('http-v2')
    del.requestContext.http.method = 'DELETE'
    const result = await h.app.handler(del)
    expect(result.statusCode).toBe(405)
    expect(result.headers).toMatchObject({ allow: 'GET, HEAD', 'x-seen': '1' })
  })
})

describe('authorizer events', () => {
  it('with no app.authorizer() registered, reject with the typed UnknownEventError', async () => {
    const app = new App({ logLevel: 'silent' })
    app.webSocket('$default', () => {})
    const error = await app.handler(sample('authorizer-request')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnknownEventError)
    expect((error as UnknownEventError).code).toBe('unknown_event')
    expect((error as Error).message).toMatch(/no app\.authorizer\(\) is registered/)
  })
})

describe('returned Lambda results', () => {
  it('an object body in a returned { statusCode, body } is sent as JSON, not passed on for a 502', async () => {
    const h = harness()
    h.app.webSocket('$default', () => ({ statusCode: 200, body: { obj: 1 } }))
    h.app.get('/posts/:id/comments', () => ({ statusCode: 201, body: { obj: 2 }, headers: { a: 'b' } }))
    expect(await h.app.handler(sample('ws-message'))).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"obj":1}',
    })
    expect(await h.app.handler(sample('http-v2'))).toEqual({
      statusCode: 201,
      body: '{"obj":2}',
      headers: { a: 'b', 'content-type': 'application/json' },
    })
  })
})

describe('after a second review', () => {
  it('an empty managementEndpoint means not set, as an empty environment variable does', async () => {
    const h = harness({ managementEndpoint: '' })
    h.app.webSocket('$default', (ctx) => ctx.asWebSocket().managementEndpoint)
    const result = await h.app.handler(sample('ws-message'))
    expect(result.body).toBe(
      `https://${sample('ws-message').requestContext.domainName}/${sample('ws-message').requestContext.stage}`,
    )
  })

  it('an explicit custom-domain endpoint signs for the event host’s region, before AWS_REGION', async () => {
    const saved = process.env.AWS_REGION
    process.env.AWS_REGION = 'us-west-2'
    try {
      const h = harness({ managementEndpoint: 'https://ws.example.com/chat' })
      h.app.webSocket('$default', (ctx) => ctx.asWebSocket().region)
      expect((await h.app.handler(sample('ws-message'))).body).toBe('ap-northeast-1')
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION
      else process.env.AWS_REGION = saved
    }
  })

  it('an empty event request id falls back to the Lambda’s', async () => {
    const h = harness()
    h.app.webSocket('$default', (ctx) => ctx.requestId)
    const event = sample('ws-message')
    event.requestContext.requestId = ''
    expect((await h.app.handler(event, lambdaContext('L2'))).body).toBe('L2')
  })

  it('a rejection is logged as "request rejected" with the reason beside it', async () => {
    const h = harness()
    h.app.webSocket('$connect', (ctx) => ctx.reject(401, 'no token'))
    await h.app.handler(sample('ws-connect'))
    expect(h.logs).toMatchObject([
      { level: 'info', message: 'request rejected', reason: 'no token', status: 401 },
    ])
  })

  it('a returned result on a multi-value ALB target group keeps its headers, as multiValueHeaders', async () => {
    const h = harness()
    h.app.use(() => ({ statusCode: 204, headers: { 'access-control-allow-origin': '*' } }))
    h.app.get('/nothing', () => 'x')
    const result = await h.app.handler(sample('alb-multivalue'))
    expect(result).toEqual({ statusCode: 204, multiValueHeaders: { 'access-control-allow-origin': ['*'] } })
  })

  it('an event that nearly is a WebSocket one gets told what it lacks', async () => {
    const app = new App({ logLevel: 'silent' })
    const event = sample('ws-message')
    delete event.requestContext.messageDirection
    const error = await app.handler(event).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnknownEventError)
    expect((error as Error).message).toMatch(
      /a WebSocket event's requestContext also needs messageDirection "IN"$/,
    )
  })
})
