import { describe, expect, it } from 'vitest'
import type { Middleware } from '../../src/index.js'
import { AppError } from '../../src/index.js'
import { sample } from '../events/samples/index.js'
import { harness } from './helpers.js'

// Onion middleware, one chain for WebSocket and HTTP routes alike.

function tracer(trace: string[], name: string): Middleware {
  return async (_ctx, next) => {
    trace.push(`${name}>`)
    const result = await next()
    trace.push(`<${name}`)
    return result
  }
}

describe('middleware order', () => {
  it('app middleware wraps route middleware wraps the handler, first registered outermost: WebSocket', async () => {
    const trace: string[] = []
    const { app } = harness()
    app.use(tracer(trace, 'a'), tracer(trace, 'b'))
    app.webSocket('$default', tracer(trace, 'route'), (ctx) => {
      trace.push(`handler ${ctx.trigger}`)
    })
    await app.handler(sample('ws-message'))
    expect(trace).toStrictEqual(['a>', 'b>', 'route>', 'handler websocket', '<route', '<b', '<a'])
  })

  it('the same chain for an HTTP route', async () => {
    const trace: string[] = []
    const { app } = harness()
    app.use(tracer(trace, 'a'))
    app.use(tracer(trace, 'b'))
    app.get('/posts/:id/comments', tracer(trace, 'r1'), tracer(trace, 'r2'), (ctx) => {
      trace.push(`handler ${ctx.trigger}`)
      return 'ok'
    })
    const result = await app.handler(sample('http-v2'))
    expect(result.statusCode).toBe(200)
    expect(trace).toStrictEqual(['a>', 'b>', 'r1>', 'r2>', 'handler http', '<r2', '<r1', '<b', '<a'])
  })

  it('route middleware applies to its own route only', async () => {
    const trace: string[] = []
    const { app } = harness()
    app.webSocket('sendmessage', tracer(trace, 'only-send'), () => {
      trace.push('send')
    })
    app.webSocket('$default', () => {
      trace.push('default')
    })
    await app.handler(sample('ws-message'))
    await app.handler(sample('ws-message-custom-route-authorized'))
    expect(trace).toStrictEqual(['default', 'only-send>', 'send', '<only-send'])
  })

  it('app.use() after routes are registered still applies to them', async () => {
    const trace: string[] = []
    const { app } = harness()
    app.webSocket('$default', () => {
      trace.push('handler')
    })
    await app.handler(sample('ws-message'))
    app.use(tracer(trace, 'late'))
    await app.handler(sample('ws-message'))
    expect(trace).toStrictEqual(['handler', 'late>', 'handler', '<late'])
  })
})

describe('what middleware may do', () => {
  it('share state through ctx.state', async () => {
    const { app } = harness()
    app.use(async (ctx, next) => {
      ctx.state.user = ctx.asWebSocket().principalId
      return next()
    })
    app.webSocket('sendmessage', (ctx) => ({ user: ctx.state.user }))
    const result = await app.handler(sample('ws-message-custom-route-authorized'))
    expect(result).toStrictEqual({ statusCode: 200, body: '{"user":"user-42"}' })
  })

  it('answer without calling next (the handler never runs)', async () => {
    let ran = false
    const { app } = harness()
    app.use(() => 'cached')
    app.get('/posts/:id/comments', () => {
      ran = true
    })
    const result = await app.handler(sample('http-v2'))
    expect(ran).toBe(false)
    expect(result).toMatchObject({ statusCode: 200, body: 'cached' })
  })

  it('replace the result on the way out', async () => {
    const { app } = harness()
    app.use(async (_ctx, next) => ({ wrapped: await next() }))
    app.get('/posts/:id/comments', (ctx) => ({ id: ctx.req.params.id }))
    const result = await app.handler(sample('http-v2'))
    expect(JSON.parse(result.body)).toStrictEqual({ wrapped: { id: '42' } })
  })

  it('catch a handler error and turn it into another', async () => {
    const { app } = harness()
    app.use(async (_ctx, next) => {
      try {
        return await next()
      } catch {
        throw new AppError('rate_limited', 'Slow down')
      }
    })
    app.get('/posts/:id/comments', () => {
      throw new Error('boom')
    })
    const result = await app.handler(sample('http-v2'))
    expect(result.statusCode).toBe(429)
    expect(JSON.parse(result.body).error).toMatchObject({ code: 'rate_limited', message: 'Slow down' })
  })

  it('a middleware error is handled like a handler error', async () => {
    const { app } = harness()
    app.use(() => {
      throw new AppError('forbidden')
    })
    app.webSocket('$connect', () => {})
    expect((await app.handler(sample('ws-connect'))).statusCode).toBe(403)
  })

  it('calling next() twice is a programming error: a 500, logged', async () => {
    const { app, logs } = harness()
    app.use(async (_ctx, next) => {
      await next()
      return next()
    })
    app.webSocket('$connect', () => {})
    const result = await app.handler(sample('ws-connect'))
    expect(result.statusCode).toBe(500)
    expect(JSON.parse(result.body).error.message).toBe('Internal server error')
    expect(logs.find((l) => l.level === 'error')).toMatchObject({
      message: 'handler failed',
      error: { message: 'next() called more than once' },
    })
  })
})
