import { afterEach, describe, expect, it, vi } from 'vitest'
import { App, type Context, createJsonLogger, type Logger } from '../../src/index.js'
import { events } from '../../testkit/index.js'
import { sample } from '../events/samples/index.js'
import { harness, lambdaContext } from './helpers.js'

async function contextOf(event: unknown, lc?: Parameters<App['handler']>[1], app = harness().app) {
  let seen: Context | undefined
  const grab = (ctx: Context) => {
    seen = ctx
    return undefined
  }
  app.webSocket('$default', grab).webSocket('$connect', grab).all('/*', grab)
  app.authorizer((ctx) => {
    seen = ctx
    return { principalId: 'p' }
  })
  await app.handler(event, lc)
  return seen!
}

describe('ctx: the request id', () => {
  it('comes from the event when it has one (WebSocket, REST, HTTP API)', async () => {
    const lc = lambdaContext('lambda-request-id')
    expect((await contextOf(sample('ws-message'), lc)).requestId).toBe('R1knPH17NjMFftw=')
    expect((await contextOf(sample('rest-v1'), lc)).requestId).toBe('c6af9ac6-7b61-11e6-9a41-93e8deadbeef')
    expect((await contextOf(sample('http-v2'), lc)).requestId).toBe('LV7fzho-PHcEJPw=')
    expect((await contextOf(sample('authorizer-request'), lc)).requestId).toBe('R1kmxFn0NjMFpjw=')
  })

  it('else from the Lambda context (ALB events carry none)', async () => {
    expect((await contextOf(sample('alb'), lambdaContext('lambda-request-id'))).requestId).toBe(
      'lambda-request-id',
    )
    const event = sample('ws-message')
    delete event.requestContext.requestId
    expect((await contextOf(event, lambdaContext('lambda-request-id'))).requestId).toBe('lambda-request-id')
  })

  it('else, for HTTP outside Lambda, a fresh UUID so errors can still be traced', async () => {
    const id = (await contextOf(sample('alb'))).requestId
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

describe('ctx: Lambda context, time left, raw event, trigger', () => {
  it('exposes the Lambda context and the raw event as received', async () => {
    const event = sample('ws-message')
    const lc = lambdaContext('abc', 1234)
    const ctx = await contextOf(event, lc)
    expect(ctx.event).toBe(event)
    expect(ctx.lambdaContext).toBe(lc)
    expect(ctx.remainingTimeMs()).toBe(1234)
    expect(ctx.trigger).toBe('websocket')
    expect(ctx.isWebSocket).toBe(true)
  })

  it('has no deadline outside Lambda', async () => {
    const ctx = await contextOf(sample('ws-message'))
    expect(ctx.lambdaContext).toBeUndefined()
    expect(ctx.remainingTimeMs()).toBe(Number.POSITIVE_INFINITY)
    expect(ctx.callOptions()).toStrictEqual({})
  })

  it.each([
    ['rest-v1', 'rest'],
    ['http-v2', 'http'],
    ['function-url', 'url'],
    ['alb', 'alb'],
    ['authorizer-request', 'authorizer'],
  ] as const)('%s -> trigger %s', async (name, trigger) => {
    const ctx = await contextOf(sample(name))
    expect(ctx.trigger).toBe(trigger)
    expect(ctx.isWebSocket).toBe(false)
  })
})

describe('ctx.log', () => {
  afterEach(() => {
    delete process.env.SOCKETEER_LOG_LEVEL
  })

  it('by default writes JSON lines to stdout bound to the request id', async () => {
    const app = new App()
    app.webSocket('$default', (ctx) => {
      ctx.log.info('hello', { n: 1, err: new Error('bad') })
    })
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    let lines: unknown[]
    try {
      await app.handler(sample('ws-message'))
      lines = write.mock.calls.map((c) => JSON.parse(String(c[0])))
    } finally {
      write.mockRestore()
    }
    expect(lines).toStrictEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        message: 'hello',
        requestId: 'R1knPH17NjMFftw=',
        n: 1,
        err: { name: 'Error', message: 'bad', stack: expect.stringContaining('Error: bad') },
      },
    ])
  })

  it('honours the level: logLevel option, then SOCKETEER_LOG_LEVEL', () => {
    const lines: string[] = []
    const warnOnly = createJsonLogger({ level: 'warn', write: (l) => lines.push(l) })
    warnOnly.info('dropped')
    warnOnly.warn('kept')
    process.env.SOCKETEER_LOG_LEVEL = 'ERROR'
    const fromEnv = createJsonLogger({ write: (l) => lines.push(l) })
    fromEnv.warn('dropped')
    fromEnv.error('kept too')
    expect(lines.map((l) => JSON.parse(l).message)).toStrictEqual(['kept', 'kept too'])
  })

  it('is replaceable: a Logger object is used as is', async () => {
    const seen: string[] = []
    const mine: Logger = {
      debug: (m) => seen.push(`debug ${m}`),
      info: (m) => seen.push(`info ${m}`),
      warn: (m) => seen.push(`warn ${m}`),
      error: (m) => seen.push(`error ${m}`),
    }
    const app = new App({ logger: mine })
    app.webSocket('$default', (ctx) => {
      ctx.log.info('from handler')
      throw new Error('boom')
    })
    await expect(app.handler(sample('ws-message'))).rejects.toThrow('boom')
    expect(seen).toStrictEqual(['info from handler', 'error handler failed'])
  })

  it('is replaceable: a factory gets the request id, and is only called when something logs', async () => {
    const made: string[] = []
    const app = new App({
      logger: ({ requestId }) => {
        made.push(requestId)
        return createJsonLogger({ level: 'silent' })
      },
    })
    app.webSocket('$default', () => {})
    app.webSocket('sendmessage', (ctx) => ctx.log.debug('x'))
    await app.handler(sample('ws-message'))
    expect(made).toStrictEqual([])
    await app.handler(sample('ws-message-custom-route-authorized'))
    expect(made).toStrictEqual(['R1kpAGy4tjMFsXw='])
  })

  it('is replaceable per request: middleware may set ctx.log (e.g. a child logger)', async () => {
    const seen: string[] = []
    const { app } = harness()
    app.use(async (ctx, next) => {
      const parent = ctx.log
      ctx.log = { ...parent, info: (m) => seen.push(`child ${m}`) }
      return next()
    })
    app.webSocket('$default', (ctx) => ctx.log.info('hi'))
    await app.handler(sample('ws-message'))
    expect(seen).toStrictEqual(['child hi'])
  })
})

describe('the default logger never throws', () => {
  it('logs a thrown value holding a BigInt and a cycle, and still answers (HTTP 500; a MESSAGE route fails the invocation)', async () => {
    const lines: string[] = []
    const app = new App({ logger: () => createJsonLogger({ write: (l) => lines.push(l) }) })
    app.webSocket('$default', () => {
      const bad: Record<string, unknown> = { n: 1n }
      bad.self = bad
      throw bad
    })
    await expect(app.handler(events.message({ requestId: 'R1koeHsUtjMFbRw=' }))).rejects.toMatchObject({
      n: 1n,
    })
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', error: { n: '1', self: '[Circular]' } })
  })
})
