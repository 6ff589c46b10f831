import { describe, expect, it } from 'vitest'
import {
  buildAlbEvent,
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  buildRestEvent,
} from '../../src/events/http.js'
import { HttpResponse } from '../../src/index.js'
import { sample } from '../events/samples/index.js'
import { harness } from './helpers.js'

// HTTP routes beside the WebSocket routes, on every HTTP trigger.

function postsApp() {
  const h = harness()
  h.app.get('/posts/:id/comments', (ctx) => ({ post: ctx.req.params.id, sort: ctx.req.query.sort ?? null }))
  h.app.post('/posts/:id/comments', (ctx) =>
    ctx.json({ created: ctx.req.json(), post: ctx.req.params.id }, 201),
  )
  h.app.get('/search', (ctx) => ({ q: ctx.req.query.q, lang: ctx.req.query.lang, ip: ctx.req.sourceIp }))
  h.app.get('/', (ctx) => ctx.text(`hello ${ctx.req.header('X-MyHeader') ?? 'nobody'}`))
  h.app.post('/my/path', (ctx) => ctx.text(ctx.req.text().toUpperCase()))
  return h
}

describe('result shapes per trigger', () => {
  it('REST (V1): statusCode, headers, body, isBase64Encoded', async () => {
    const result = await postsApp().app.handler(sample('rest-v1'))
    expect(result).toStrictEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      body: '{"created":{"text":"first!"},"post":"42"}',
      isBase64Encoded: false,
    })
  })

  it('HTTP API (V2)', async () => {
    const result = await postsApp().app.handler(sample('http-v2'))
    expect(result).toStrictEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"post":"42","sort":"new"}',
      isBase64Encoded: false,
    })
  })

  it('Function URL', async () => {
    const result = await postsApp().app.handler(sample('function-url'))
    expect(result).toStrictEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'HELLO FROM CLIENT!',
      isBase64Encoded: false,
    })
  })

  it('ALB: adds statusDescription; the query is decoded before the handler sees it', async () => {
    const result = await postsApp().app.handler(sample('alb'))
    expect(result).toStrictEqual({
      statusCode: 200,
      statusDescription: '200 OK',
      headers: { 'content-type': 'application/json' },
      body: '{"q":"hello world","lang":"en GB","ip":"72.21.198.67"}',
      isBase64Encoded: false,
    })
  })

  it('ALB with multi-value headers on: answers in multiValueHeaders (ALB ignores headers then)', async () => {
    const result = await postsApp().app.handler(sample('alb-multivalue'))
    expect(result).toStrictEqual({
      statusCode: 200,
      statusDescription: '200 OK',
      multiValueHeaders: { 'content-type': ['text/plain; charset=utf-8'] },
      body: 'hello 123',
      isBase64Encoded: false,
    })
  })

  it('ALB errors have a statusDescription too', async () => {
    const result = await postsApp().app.handler(buildAlbEvent({ path: '/nowhere' }))
    expect(result).toMatchObject({ statusCode: 404, statusDescription: '404 Not Found' })
  })
})

describe('what a handler may return', () => {
  async function returning(value: unknown) {
    const h = harness()
    h.app.get('/x', () => value)
    return h.app.handler(buildHttpApiEvent({ path: '/x' }))
  }

  it('an object or array is JSON', async () => {
    expect(await returning([1, { a: 2 }])).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '[1,{"a":2}]',
    })
  })

  it('a string is text', async () => {
    expect(await returning('hi')).toMatchObject({
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'hi',
    })
  })

  it('bytes are base64 with isBase64Encoded', async () => {
    expect(await returning(new Uint8Array([0, 255, 1]))).toStrictEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: 'AP8B',
      isBase64Encoded: true,
    })
  })

  it('nothing is 204 with an empty body', async () => {
    expect(await returning(undefined)).toStrictEqual({
      statusCode: 204,
      headers: {},
      body: '',
      isBase64Encoded: false,
    })
  })

  it('an HttpResponse or a ready Lambda result is used as is', async () => {
    expect(await returning(new HttpResponse(302, undefined, { location: '/y' }))).toStrictEqual({
      statusCode: 302,
      headers: { location: '/y' },
      body: '',
      isBase64Encoded: false,
    })
    const raw = { statusCode: 418, body: 'teapot', headers: { a: 'b' }, isBase64Encoded: false }
    expect(await returning(raw)).toBe(raw)
  })

  it('ctx.json/text/html/body set status and content type', async () => {
    const h = harness()
    h.app.get('/json', (ctx) => ctx.json({ a: 1 }, 202, { 'x-a': '1' }))
    h.app.get('/html', (ctx) => ctx.html('<b>x</b>'))
    h.app.get('/body', (ctx) => ctx.body('raw', 200, { 'content-type': 'text/csv' }))
    expect(await h.app.handler(buildHttpApiEvent({ path: '/json' }))).toMatchObject({
      statusCode: 202,
      headers: { 'content-type': 'application/json', 'x-a': '1' },
      body: '{"a":1}',
    })
    expect((await h.app.handler(buildHttpApiEvent({ path: '/html' }))).headers['content-type']).toBe(
      'text/html; charset=utf-8',
    )
    expect((await h.app.handler(buildHttpApiEvent({ path: '/body' }))).headers).toStrictEqual({
      'content-type': 'text/csv',
    })
  })
})

describe('routing', () => {
  it('path parameters are decoded; * takes the rest of the path', async () => {
    const h = harness()
    h.app.get('/users/:name/files/*', (ctx) => ctx.req.params)
    const result = await h.app.handler(buildRestEvent({ path: '/users/Ana%20Mar%C3%ADa/files/a/b%2Fc.txt' }))
    expect(JSON.parse(result.body)).toStrictEqual({ name: 'Ana María', '*': 'a/b/c.txt' })
  })

  it('a malformed escape in the path is kept as sent, not a crash', async () => {
    const h = harness()
    h.app.get('/users/:name', (ctx) => ctx.req.params)
    const result = await h.app.handler(buildRestEvent({ path: '/users/%E0%A4%A' }))
    expect(JSON.parse(result.body)).toStrictEqual({ name: '%E0%A4%A' })
  })

  it('static routes win over parameters; trailing and doubled slashes do not matter', async () => {
    const h = harness()
    h.app.get('/posts/:id', (ctx) => `param ${ctx.req.params.id}`)
    h.app.get('/posts/new', () => 'static')
    expect((await h.app.handler(buildHttpApiEvent({ path: '/posts/new' }))).body).toBe('static')
    expect((await h.app.handler(buildHttpApiEvent({ path: '/posts/7/' }))).body).toBe('param 7')
    expect((await h.app.handler(buildHttpApiEvent({ path: '//posts//new' }))).body).toBe('static')
  })

  it('404 route_not_found for an unknown path, in the error envelope', async () => {
    const result = await postsApp().app.handler(buildHttpApiEvent({ path: '/nope' }))
    expect(result.statusCode).toBe(404)
    expect(JSON.parse(result.body).error).toMatchObject({
      code: 'route_not_found',
      message: 'No route for GET /nope',
    })
  })

  it('405 with an Allow header when the path exists for other methods', async () => {
    const result = await postsApp().app.handler(
      buildRestEvent({ method: 'DELETE', path: '/posts/1/comments' }),
    )
    expect(result.statusCode).toBe(405)
    expect(result.headers.allow).toBe('GET, POST, HEAD')
    expect(JSON.parse(result.body).error.code).toBe('method_not_allowed')
  })

  it('HEAD is served by the GET route; ALL matches any method', async () => {
    const h = harness()
    h.app.get('/a', () => 'a')
    h.app.get('/p/:id', () => 'p')
    h.app.all('/any', (ctx) => ctx.req.method)
    expect((await h.app.handler(buildHttpApiEvent({ method: 'HEAD', path: '/a' }))).statusCode).toBe(200)
    expect((await h.app.handler(buildHttpApiEvent({ method: 'HEAD', path: '/p/1' }))).statusCode).toBe(200)
    expect((await h.app.handler(buildHttpApiEvent({ method: 'PATCH', path: '/any' }))).body).toBe('PATCH')
  })

  it('HTTP API on a named stage routes on the path without the stage', async () => {
    const h = postsApp()
    const result = await h.app.handler(buildHttpApiEvent({ path: '/posts/9/comments', stage: 'dev' }))
    expect(JSON.parse(result.body)).toStrictEqual({ post: '9', sort: null })
  })

  it('the same App serves WebSocket and HTTP events', async () => {
    const h = postsApp()
    h.app.webSocket('$default', () => 'ws')
    expect(await h.app.handler(sample('ws-message'))).toStrictEqual({ statusCode: 200, body: 'ws' })
    expect((await h.app.handler(sample('http-v2'))).statusCode).toBe(200)
  })
})

describe('the request view', () => {
  it('headers by any case, cookies, query, base64 bodies', async () => {
    const h = harness()
    h.app.post('/echo', (ctx) => ({
      ua: ctx.req.header('User-Agent'),
      cookie: ctx.req.header('cookie'),
      q: ctx.req.query,
      text: ctx.req.text(),
      method: ctx.req.method,
      path: ctx.req.path,
    }))
    const event = buildFunctionUrlEvent({
      method: 'POST',
      path: '/echo',
      headers: { 'User-Agent': 'ua/1', Cookie: 'a=1; b=2' },
      query: { x: '1' },
      body: Buffer.from('héllo').toString('base64'),
      isBase64Encoded: true,
    })
    const body = JSON.parse((await h.app.handler(event)).body)
    expect(body).toStrictEqual({
      ua: 'ua/1',
      cookie: 'a=1; b=2',
      q: { x: '1' },
      text: 'héllo',
      method: 'POST',
      path: '/echo',
    })
  })

  it('json(schema) validates the body', async () => {
    const { z } = await import('zod')
    const h = harness()
    h.app.post('/posts/:id/comments', (ctx) => ctx.req.json(z.object({ text: z.string().max(3) })))
    const result = await h.app.handler(sample('rest-v1'))
    expect(result.statusCode).toBe(400)
    expect(JSON.parse(result.body).error.details[0].path).toBe('text')
  })

  it('ctx.req is refused on a WebSocket event', async () => {
    const h = harness()
    let error: unknown
    h.app.webSocket('$default', (ctx) => {
      try {
        void ctx.req
      } catch (e) {
        error = e
      }
    })
    await h.app.handler(sample('ws-message'))
    expect((error as Error).message).toMatch(/only available on HTTP triggers, not websocket/)
  })
})
