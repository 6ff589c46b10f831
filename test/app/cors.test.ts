import { describe, expect, it } from 'vitest'
import { App, AppError, cors } from '../../src/index.js'
import { events, invoke } from '../../testkit/index.js'

// The App's CORS middleware: for APIs whose own CORS configuration is off.

const origin = { Origin: 'https://app.example' }

describe('cors()', () => {
  const app = new App()
    .use(cors({ exposeHeaders: ['x-total'] }))
    .get('/posts', () => ({ posts: [] }))
    .get('/raw', () => ({
      statusCode: 200,
      headers: { 'access-control-allow-origin': 'https://mine.example' },
      body: 'x',
    }))
    .get('/bad', () => {
      throw new AppError('bad_request', 'no')
    })
    .webSocket('$default', () => 'echo')

  it('answers a preflight for any path, with no OPTIONS route', async () => {
    const { result } = await invoke(
      app,
      events.rest({
        method: 'OPTIONS',
        path: '/posts',
        headers: {
          ...origin,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'x-a',
        },
      }),
    )
    expect(result.statusCode).toBe(204)
    expect(result.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, PUT, PATCH, POST, DELETE',
      'access-control-allow-headers': 'x-a',
    })
    for (const path of ['/nowhere', '/posts/1']) {
      const other = await invoke(
        app,
        events.httpApi({
          method: 'OPTIONS',
          path,
          headers: { ...origin, 'Access-Control-Request-Method': 'PUT' },
        }),
      )
      expect(other.result.statusCode).toBe(204)
    }
  })

  it('adds its headers to responses, errors and 404s; a route’s own win', async () => {
    const ok = await invoke(app, events.rest({ path: '/posts', headers: origin }))
    expect(ok.result.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'x-total',
    })
    const bad = await invoke(app, events.rest({ path: '/bad', headers: origin }))
    expect(bad.result.statusCode).toBe(400)
    expect(bad.result.headers['access-control-allow-origin']).toBe('*')
    const missing = await invoke(app, events.httpApi({ path: '/missing', headers: origin }))
    expect(missing.result.statusCode).toBe(404)
    expect(missing.result.headers['access-control-allow-origin']).toBe('*')
    const raw = await invoke(app, events.rest({ path: '/raw', headers: origin }))
    expect(raw.result.headers['access-control-allow-origin']).toBe('https://mine.example')
  })

  it('leaves WebSocket routes and origins it does not allow alone', async () => {
    const ws = await invoke(app, events.message({ body: 'hi' }))
    expect(ws.result).toEqual({ statusCode: 200, body: 'echo' })
    const strict = new App().use(cors({ origin: 'https://app.example' })).get('/p', () => 'p')
    const other = await invoke(
      strict,
      events.rest({ path: '/p', headers: { Origin: 'https://evil.example' } }),
    )
    expect(other.result.headers['access-control-allow-origin']).toBeUndefined()
    const listed = await invoke(strict, events.rest({ path: '/p', headers: origin }))
    expect(listed.result.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      vary: 'Origin',
    })
  })
})
