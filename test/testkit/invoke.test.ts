import { describe, expect, it } from 'vitest'
import { App, GoneError } from '../../src/index.js'
import {
  events,
  FakeStreamer,
  invoke,
  invokeSettled,
  lambdaContextFor,
  TestkitError,
  UnexpectedCallError,
} from '../../testkit/index.js'

const EP = 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod'

function chatApp() {
  const app = new App({ logLevel: 'silent' })
  app.webSocket('$connect', (ctx) => {
    if (ctx.asWebSocket().query.token !== 'ok') ctx.reject(401)
  })
  app.webSocket('$default', async (ctx) => {
    const ws = ctx.asWebSocket()
    await ws.sendJSON({ echo: ws.json() })
  })
  app.webSocket('$disconnect', async (ctx) => {
    await ctx.asWebSocket().send('bye')
  })
  app.webSocket('notify', async (ctx) => {
    const ws = ctx.asWebSocket()
    const { to } = ws.json<{ to: string }>()
    try {
      await ctx.streamerFor(ws.managementEndpoint, ws.region).postToConnection(to, 'ping')
      return { delivered: true }
    } catch (error) {
      if (error instanceof GoneError) return { delivered: false }
      throw error
    }
  })
  return app
}

describe('invoke', () => {
  it('runs an App on one event with a fake wired in: result, calls and what the client received', async () => {
    const app = chatApp()
    const event = events.message({ body: { hi: 1 } })
    const id = event.requestContext.connectionId
    const { result, calls, fake } = await invoke(app, event)
    expect(result).toEqual({ statusCode: 200 })
    expect(calls).toEqual([
      expect.objectContaining({ op: 'post', endpoint: EP, connectionId: id, status: 200 }),
    ])
    expect(fake.receivedJSON(id)).toEqual([{ echo: { hi: 1 } }])
    // The App is left as it was: no fake remains wired in.
    expect(Object.hasOwn(app, 'streamerFor')).toBe(false)
  })

  it('uses the fake it is given, across invocations, and returns only each invocation’s calls', async () => {
    const app = chatApp()
    const fake = new FakeStreamer()
    const peer = fake.connect()
    const stale = fake.gone()
    const first = await invoke(app, events.message({ routeKey: 'notify', body: { to: peer } }), { fake })
    expect(first.result).toMatchObject({ body: '{"delivered":true}' })
    const second = await invoke(app, events.message({ routeKey: 'notify', body: { to: stale } }), { fake })
    expect(second.result).toMatchObject({ body: '{"delivered":false}' })
    expect(first.calls.map((c) => [c.connectionId, c.status])).toEqual([[peer, 200]])
    expect(second.calls.map((c) => [c.connectionId, c.status])).toEqual([[stale, 410]])
    expect(fake.calls).toHaveLength(2)
    expect(fake.received(peer)).toEqual(['ping'])
  })

  it('tracks the connection lifecycle: connecting during $connect, open after a 2xx, closed after a refusal', async () => {
    const app = chatApp()
    const fake = new FakeStreamer()
    const accepted = events.connect({ query: { token: 'ok' } })
    const refused = events.connect({ query: { token: 'no' } })
    await invoke(app, accepted, { fake })
    const { result } = await invoke(app, refused, { fake })
    expect(result.statusCode).toBe(401)
    expect(fake.state(accepted.requestContext.connectionId)).toBe('open')
    expect(fake.state(refused.requestContext.connectionId)).toBe('closed')
  })

  it('reads a plain handler’s $connect result as the gateway does (one rule: readConnectResult)', async () => {
    const fake = new FakeStreamer()
    const cases: Array<[unknown, 'open' | 'closed']> = [
      [undefined, 'open'],
      [{}, 'open'],
      [{ statusCode: '200' }, 'open'],
      [{ statusCode: 204, headers: { 'Sec-WebSocket-Protocol': 'chat.v1' } }, 'open'],
      [{ statusCode: 200, extra: 1 }, 'closed'],
      // Read as Lambda sends it (its JSON): an undefined header vanishes, a BigInt fails.
      [{ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': undefined } }, 'open'],
      [{ statusCode: 200, extra: undefined }, 'open'],
      [{ statusCode: 10n }, 'closed'],
      [{ statusCode: 401 }, 'closed'],
      [{ statusCode: 101 }, 'closed'],
      ['yes', 'closed'],
    ]
    for (const [returned, state] of cases) {
      const event = events.connect()
      await invoke(async () => returned, event, { fake })
      expect([returned, fake.state(event.requestContext.connectionId)]).toEqual([returned, state])
    }
  })

  it('refuses a $connect for an id the fake already knows: API Gateway never reuses ids', async () => {
    const app = chatApp()
    const fake = new FakeStreamer()
    const live = fake.connect()
    const error = await invoke(app, events.connect({ connectionId: live, query: { token: 'ok' } }), {
      fake,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TestkitError)
    expect((error as Error).message).toContain(`${live}, which the fake already knows as open`)
    expect(fake.calls).toEqual([])
  })

  it('posting during $disconnect is 410: the socket is already gone', async () => {
    const app = chatApp()
    const fake = new FakeStreamer()
    const id = fake.connect()
    const { result, calls } = await invoke(app, events.disconnect({ connectionId: id }), { fake })
    expect(result.statusCode).toBe(500)
    expect(calls).toEqual([expect.objectContaining({ op: 'post', connectionId: id, status: 410 })])
    expect(fake.state(id)).toBe('closed')
  })

  it('rejects with the strict-mode violation even when the App caught it', async () => {
    const app = chatApp()
    const event = events.message({ routeKey: 'notify', body: { to: 'NobodyKnowsMe00=' } })
    const error = await invoke(app, event).catch((e) => e)
    expect(error).toBeInstanceOf(UnexpectedCallError)
    expect(error.message).toContain('unexpected post for NobodyKnowsMe00=')
    const settled = await invokeSettled(app, event)
    // The failed send is a bug of the route (not an AppError): the invocation fails.
    expect(settled.error).toBeDefined()
    expect(settled.violations).toHaveLength(1)
  })

  it('runs a plain Lambda handler with a realistic Lambda context, and rethrows what it throws', async () => {
    let seen: any
    const handler = async (_event: unknown, context: any) => {
      seen = context
      return { statusCode: 204 }
    }
    const { result, calls } = await invoke(handler, events.message(), { timeoutMs: 3000 })
    expect(result).toEqual({ statusCode: 204 })
    expect(calls).toEqual([])
    expect(seen.awsRequestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(seen.getRemainingTimeInMillis()).toBeGreaterThan(2000)
    expect(seen.getRemainingTimeInMillis()).toBeLessThanOrEqual(3000)

    const boom = new Error('boom')
    await expect(invoke(() => Promise.reject(boom), events.message())).rejects.toBe(boom)
    await expect(
      invoke(() => {
        throw boom
      }, {}),
    ).rejects.toBe(boom)
    const settled = await invokeSettled(() => Promise.reject(boom), events.message())
    expect(settled.error).toBe(boom)
    expect('result' in settled).toBe(false)
  })

  it('passes Lambda context overrides through', async () => {
    const context = lambdaContextFor({ awsRequestId: 'req-1', functionName: 'chat' })
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:chat')
    let seen: any
    await invoke(
      (_e: unknown, c: unknown) => {
        seen = c
      },
      events.message(),
      { lambdaContext: { awsRequestId: 'req-2' } },
    )
    expect(seen.awsRequestId).toBe('req-2')
  })

  it('refuses a target that is neither an App nor a function, and overlapping invocations with two fakes', async () => {
    await expect(invoke({} as never, events.message())).rejects.toBeInstanceOf(TestkitError)
    const app = new App({ logLevel: 'silent' })
    let release!: () => void
    app.webSocket('$default', () => new Promise<void>((r) => (release = r)))
    const first = invoke(app, events.message(), { fake: new FakeStreamer() })
    await expect(invoke(app, events.message(), { fake: new FakeStreamer() })).rejects.toThrow(
      /another FakeStreamer/,
    )
    release()
    await first
    expect(Object.hasOwn(app, 'streamerFor')).toBe(false)
  })

  it('an App built with streamer: fake.factory works without invoke', async () => {
    const fake = new FakeStreamer()
    const app = new App({ logLevel: 'silent', streamer: fake.factory })
    app.webSocket('$default', (ctx) => ctx.asWebSocket().send('direct'))
    const id = fake.connect()
    await app.handler(events.message({ connectionId: id }))
    expect(fake.received(id)).toEqual(['direct'])
  })
})
