import { describe, expect, it } from 'vitest'
import {
  buildAlbEvent,
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  buildRestEvent,
} from '../../src/events/http.js'
import { start } from '../dev/helpers.js'
import { harness } from './helpers.js'

// Every value of a repeated query parameter (ctx.req.queries), several Set-Cookie headers
// on a response, and `"body": null`, on each HTTP trigger.

const builders = {
  rest: (input: Parameters<typeof buildRestEvent>[0]) => buildRestEvent(input),
  http: (input: Parameters<typeof buildRestEvent>[0]) => buildHttpApiEvent(input),
  url: (input: Parameters<typeof buildRestEvent>[0]) => buildFunctionUrlEvent(input),
  alb: (input: Parameters<typeof buildRestEvent>[0]) => buildAlbEvent(input),
  'alb (multi-value)': (input: Parameters<typeof buildRestEvent>[0]) =>
    buildAlbEvent({ ...input, multiValueHeaders: true }),
}

describe('ctx.req.queries(name)', () => {
  it.each(Object.entries(builders))(
    '%s: every value, in order, commas and spaces kept',
    async (kind, build) => {
      const { app } = harness()
      app.get('/q', (ctx) => ({
        tags: ctx.req.queries('tag'),
        one: ctx.req.queries('one'),
        none: ctx.req.queries('none'),
        proto: ctx.req.queries('constructor'),
      }))
      const event = build({ path: '/q', query: { tag: ['a,b', 'c d', 'e'], one: 'x' } })
      const body = JSON.parse((await app.handler(event)).body)
      // A target group without multi-value headers is sent only the last value of each name.
      const tags = kind === 'alb' ? ['e'] : ['a,b', 'c d', 'e']
      expect(body).toStrictEqual({ tags, one: ['x'], none: [], proto: [] })
    },
  )

  it('the single-value `query` stays as each trigger sends it (the last; comma-joined on HTTP API)', async () => {
    const { app } = harness()
    app.get('/q', (ctx) => ctx.req.query.tag ?? null)
    const rest = await app.handler(buildRestEvent({ path: '/q', query: { tag: ['a', 'b'] } }))
    const http = await app.handler(buildHttpApiEvent({ path: '/q', query: { tag: ['a', 'b'] } }))
    expect(rest.body).toBe('b')
    expect(http.body).toBe('a,b')
  })
})

describe('several Set-Cookie headers on a response', () => {
  const cookies = ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']
  const appWithCookies = () => {
    const { app } = harness()
    app.get('/login', (ctx) => ctx.json({ ok: true }, 200, { 'set-cookie': cookies, 'x-one': 'y' }))
    return app
  }

  it('REST (V1): multiValueHeaders, beside the single-valued headers', async () => {
    const result = await appWithCookies().handler(buildRestEvent({ path: '/login' }))
    expect(result.headers).toStrictEqual({ 'content-type': 'application/json', 'x-one': 'y' })
    expect(result.multiValueHeaders).toStrictEqual({ 'set-cookie': cookies })
  })

  it.each(['http', 'url'] as const)('%s (payload 2.0): cookies', async (kind) => {
    const result = await appWithCookies().handler(builders[kind]({ path: '/login' }))
    expect(result.cookies).toStrictEqual(cookies)
    expect(result.headers).toStrictEqual({ 'content-type': 'application/json', 'x-one': 'y' })
    expect(result).not.toHaveProperty('multiValueHeaders')
  })

  it('ALB with multi-value headers on: every value; without: one value per name, the last', async () => {
    const multi = await appWithCookies().handler(buildAlbEvent({ path: '/login', multiValueHeaders: true }))
    expect(multi.multiValueHeaders['set-cookie']).toStrictEqual(cookies)
    const single = await appWithCookies().handler(buildAlbEvent({ path: '/login' }))
    expect(single.headers['set-cookie']).toBe(cookies[1])
  })

  it.each(['rest', 'v2'] as const)(
    'reach a real HTTP client through the local gateway (%s)',
    async (http) => {
      const { gw } = await start({ handler: appWithCookies().handler, http })
      const response = await fetch(`${gw.httpUrl}/login`)
      expect(response.status).toBe(200)
      expect(response.headers.getSetCookie()).toStrictEqual(cookies)
      expect(response.headers.get('x-one')).toBe('y')
    },
  )
})

describe('"body": null', () => {
  it.each(['http', 'url', 'alb'] as const)(
    '%s: text() is "" and json() is a 400, as on REST',
    async (kind) => {
      const { app } = harness()
      app.post('/t', (ctx) => ({ text: ctx.req.text(), body: ctx.req.body ?? 'none' }))
      app.post('/j', (ctx) => ctx.req.json())
      const nulled = (path: string) => {
        const event: any = builders[kind]({ method: 'POST', path })
        event.body = null
        return event
      }
      const text = await app.handler(nulled('/t'))
      expect(JSON.parse(text.body)).toStrictEqual({ text: '', body: 'none' })
      const json = await app.handler(nulled('/j'))
      expect(json.statusCode).toBe(400)
      expect(JSON.parse(json.body).error.code).toBe('bad_request')
    },
  )
})
