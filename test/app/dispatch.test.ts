import { describe, expect, it } from 'vitest'
import { App, RouteRegistrationError } from '../../src/index.js'
import { sample } from '../events/samples/index.js'
import { harness } from './helpers.js'

// Route dispatch by requestContext.routeKey, as the gateway does it.

function recordingApp(keys: string[]) {
  const h = harness()
  const calls: string[] = []
  for (const key of keys) {
    h.app.webSocket(key, (ctx) => {
      calls.push(`${key}:${ctx.asWebSocket().routeKey}`)
    })
  }
  return { ...h, calls }
}

function message(routeKey: string) {
  const event = sample('ws-message')
  event.requestContext.routeKey = routeKey
  return event
}

describe('WebSocket dispatch', () => {
  it('runs the route whose key matches exactly', async () => {
    const { app, calls } = recordingApp(['$default', 'sendmessage', 'SendMessage'])
    await app.handler(message('sendmessage'))
    await app.handler(message('SendMessage'))
    expect(calls).toStrictEqual(['sendmessage:sendmessage', 'SendMessage:SendMessage'])
  })

  it('falls back to $default for a MESSAGE whose route key has no handler (what the gateway does)', async () => {
    const { app, calls } = recordingApp(['$default', 'join'])
    expect(await app.handler(message('leave'))).toStrictEqual({ statusCode: 200 })
    expect(calls).toStrictEqual(['$default:leave'])
  })

  it('looks route keys up in a map: keys like __proto__ or toString are just unknown keys', async () => {
    const { app, calls } = recordingApp(['$default'])
    await app.handler(message('__proto__'))
    await app.handler(message('toString'))
    expect(calls).toStrictEqual(['$default:__proto__', '$default:toString'])
  })

  it('without $default: a deterministic route_not_found sent to the sender, and a log line listing the routes', async () => {
    const { app, calls, logs, open, delivered } = recordingApp(['$connect', 'join'])
    open('R1kmxc2VNjMCFIA=')
    const result = await app.handler(message('leave'))
    expect(calls).toStrictEqual([])
    expect(result).toStrictEqual({ statusCode: 404 })
    expect(delivered).toStrictEqual([
      {
        connectionId: 'R1kmxc2VNjMCFIA=',
        text: JSON.stringify({
          error: { code: 'route_not_found', message: 'No route for "leave"', requestId: 'R1knPH17NjMFftw=' },
        }),
      },
    ])
    expect(logs).toStrictEqual([
      expect.objectContaining({
        level: 'warn',
        requestId: 'R1knPH17NjMFftw=',
        routeKey: 'leave',
        registered: ['$connect', 'join'],
      }),
    ])
  })

  it('never sends $connect or $disconnect to $default; without their routes the gateway goes on (200)', async () => {
    const { app, calls } = recordingApp(['$default'])
    expect(await app.handler(sample('ws-connect'))).toStrictEqual({ statusCode: 200 })
    expect(await app.handler(sample('ws-disconnect'))).toStrictEqual({ statusCode: 200 })
    expect(calls).toStrictEqual([])
  })

  it('runs $connect and $disconnect routes for their events', async () => {
    const { app, calls } = recordingApp(['$connect', '$disconnect', '$default'])
    await app.handler(sample('ws-connect'))
    await app.handler(sample('ws-disconnect'))
    expect(calls).toStrictEqual(['$connect:$connect', '$disconnect:$disconnect'])
  })

  it('lists the registered keys in registration order', () => {
    const app = new App()
      .webSocket('b', () => {})
      .webSocket('$default', () => {})
      .webSocket('a', () => {})
    expect(app.webSocketRoutes).toStrictEqual(['b', '$default', 'a'])
  })
})

describe('registration errors are thrown at registration time', () => {
  const noop = () => {}

  it('a duplicate WebSocket route key', () => {
    const app = new App().webSocket('join', noop)
    expect(() => app.webSocket('join', noop)).toThrow(
      new RouteRegistrationError('duplicate WebSocket route join'),
    )
  })

  it.each([
    ['empty', ''],
    ['a $ key that is not one of the three', '$join'],
    ['whitespace', 'send message'],
    ['a control character', 'join\u0000'],
    ['longer than 128 characters', 'x'.repeat(129)],
    ['not a string', 42],
  ])('an invalid WebSocket route key: %s', (_what, key) => {
    expect(() => new App().webSocket(key as string, noop)).toThrow(RouteRegistrationError)
  })

  it('accepts the three $ keys and ordinary custom keys', () => {
    const app = new App()
    for (const key of ['$connect', '$disconnect', '$default', 'sendmessage', 'chat/join', 'x'.repeat(128)]) {
      expect(() => app.webSocket(key, noop)).not.toThrow()
    }
  })

  it('a route without a handler, or with something that is not a function', () => {
    expect(() => new App().webSocket('join', ...([] as unknown as [() => void]))).toThrow(/needs a handler/)
    expect(() => new App().webSocket('join', 'handler' as never)).toThrow(/must be functions/)
    expect(() => new App().get('/x', noop, {} as never)).toThrow(/must be functions/)
    expect(() => new App().use('nope' as never)).toThrow(/middleware must be a function/)
  })

  it('HTTP: duplicates (after normalising), unknown methods, bad paths and parameters', () => {
    const app = new App().get('/posts/:id', noop)
    expect(() => app.get('/posts/:id/', noop)).toThrow(/duplicate HTTP route GET \/posts\/:id/)
    expect(() => app.route('FETCH', '/x', noop)).toThrow(/unsupported HTTP method/)
    expect(() => app.get('posts', noop)).toThrow(/must start with \//)
    expect(() => app.get('/a/*/b', noop)).toThrow(/\* must be the last segment/)
    expect(() => app.get('/a/:id/:id', noop)).toThrow(/bad parameter :id/)
    expect(() => app.get('/a/:', noop)).toThrow(/bad parameter/)
    // The same path with another method is fine.
    expect(() => app.post('/posts/:id', noop)).not.toThrow()
  })

  it('a second authorizer', () => {
    const app = new App().authorizer(() => ({ principalId: 'x' }))
    expect(() => app.authorizer(() => ({ principalId: 'y' }))).toThrow(/already registered/)
  })
})
