import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildMessageEvent } from '../../src/events/websocket.js'
import { App, createStreamerClient } from '../../src/index.js'
import { StreamerTimeoutError } from '../../src/streamer/errors.js'
import { defaultStreamerFactory } from '../../src/streamer/factory.js'
import { type Loopback, startLoopback, useDummyCredentials } from './aws-loopback.js'
import { clientFactory, TRANSPORTS } from './transports.js'

// One SDK client (or one agent) per endpoint for the life of the module, with keep-alive:
// proven by counting the TCP connections the loopback server accepts across many sends.

const sdkLoads = vi.hoisted(() => ({ client: 0, credentials: 0 }))
vi.mock('@aws-sdk/client-apigatewaymanagementapi', async (importOriginal) => {
  sdkLoads.client++
  return importOriginal()
})
vi.mock('@aws-sdk/credential-provider-node', async (importOriginal) => {
  sdkLoads.credentials++
  return importOriginal()
})

const ID = 'R1kmxc2VNjMCFIA='

describe('lazy SDK', () => {
  // Must run first in this file: nothing before it may have sent anything.
  it('the default transport never loads it; the SDK transport only on its first call', async () => {
    useDummyCredentials()
    const s = await startLoopback()
    try {
      await createStreamerClient({ endpoint: s.endpoint, region: 'eu-west-1' }).postToConnection(ID, 'x')
      expect(sdkLoads).toEqual({ client: 0, credentials: 0 })
      const c = createStreamerClient({ endpoint: s.endpoint, region: 'eu-west-1', transport: 'sdk' })
      expect(sdkLoads.client).toBe(0)
      await c.postToConnection(ID, 'x')
      expect(sdkLoads.client).toBe(1)
      expect(s.requests.length).toBe(2)
    } finally {
      await s.close()
    }
  })
})

describe.each(TRANSPORTS)('over the $name transport', (transport) => {
  const createStreamerClient = clientFactory(transport)

  let server: Loopback
  beforeAll(async () => {
    useDummyCredentials()
    server = await startLoopback()
  })

  async function fresh(): Promise<Loopback> {
    const s = await startLoopback()
    cleanup.push(s)
    return s
  }
  const cleanup: Loopback[] = []
  afterAll(async () => {
    await server.close()
    for (const s of cleanup) await s.close()
  })

  describe('keep-alive reuse', () => {
    it('200 sequential sends from one client use one TCP connection', async () => {
      const s = await fresh()
      const c = createStreamerClient({ endpoint: s.endpoint, region: 'eu-west-1' })
      for (let i = 0; i < 200; i++) await c.postToConnection(ID, `m${i}`)
      expect(s.requests.length).toBe(200)
      expect(s.connections()).toBe(1)
    })

    it('clients created per invocation (same endpoint) share one SDK client and its socket', async () => {
      const s = await fresh()
      for (let i = 0; i < 50; i++) {
        await createStreamerClient({ endpoint: s.endpoint, region: 'eu-west-1' }).postToConnection(
          ID,
          `m${i}`,
        )
      }
      expect(s.requests.length).toBe(50)
      expect(s.connections()).toBe(1)
    })

    it('the default factory returns the same client per endpoint and region', async () => {
      const s = await fresh()
      const a = defaultStreamerFactory(s.endpoint, { region: 'eu-west-1' })
      expect(defaultStreamerFactory(s.endpoint, { region: 'eu-west-1' })).toBe(a)
      expect(defaultStreamerFactory(s.endpoint, { region: 'us-west-2' })).not.toBe(a)
    })

    it('concurrent sends open at most as many sockets as were in flight, then reuse them', async () => {
      const s = await fresh()
      // Long enough that even a loaded machine refills all 8 slots while they wait.
      s.respond = () => ({ status: 200, delayMs: 30 })
      const c = createStreamerClient({ endpoint: s.endpoint, region: 'eu-west-1' })
      const ids = Array.from({ length: 200 }, (_, i) => `id${i}=`)
      const result = await c.broadcast(ids, 'x', { concurrency: 8 })
      expect(result.sent.length).toBe(200)
      expect(s.maxInFlight()).toBe(8)
      expect(s.connections()).toBeLessThanOrEqual(8)
    })

    it('a client with its own credentials signs with them (the SDK transport: its own client, a second socket)', async () => {
      const s = await fresh()
      await createStreamerClient({ endpoint: s.endpoint, region: 'eu-west-1' }).postToConnection(ID, 'x')
      const own = createStreamerClient({
        endpoint: s.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other' },
      })
      await own.postToConnection(ID, 'y')
      // The SigV4 transport signs per request over the process's one agent: same socket.
      expect(s.connections()).toBe(transport.name === 'sdk' ? 2 : 1)
      expect(s.requests.at(-1)!.headers.authorization).toContain('Credential=AKIDOTHER/')
    })
  })

  describe('through the App, across warm invocations', () => {
    const lambdaContext = (remainingMs: number) => ({
      awsRequestId: 'req',
      getRemainingTimeInMillis: () => remainingMs,
    })

    it('100 invocations that each reply reuse one client and one TCP connection', async () => {
      const s = await fresh()
      const app = new App({ logLevel: 'silent' })
      app.webSocket('$default', async (ctx) => {
        await ctx.asWebSocket().send('pong')
      })
      const api = { apiId: 'local', stage: 'prod', domainName: `127.0.0.1:${s.port}` }
      for (let i = 0; i < 100; i++) {
        const event = buildMessageEvent({
          api,
          connection: { connectionId: ID, connectedAt: 1705751697419, sourceIp: '1.2.3.4' },
          routeKey: '$default',
          body: 'ping',
        })
        expect(await app.handler(event, lambdaContext(30_000) as never)).toEqual({ statusCode: 200 })
      }
      expect(s.requests.length).toBe(100)
      expect(s.requests.every((r) => r.path === '/prod/@connections/R1kmxc2VNjMCFIA%3D')).toBe(true)
      expect(s.connections()).toBe(1)
    })

    it("the Lambda's remaining time bounds the call (App passes CallOptions.deadline)", async () => {
      const s = await fresh()
      s.respond = () => 'hang'
      let caught: unknown
      const app = new App({ logLevel: 'silent', deadlineMarginMs: 250 })
      app.webSocket('$default', async (ctx) => {
        caught = await ctx
          .asWebSocket()
          .send('pong')
          .catch((e: unknown) => e)
      })
      const event = buildMessageEvent({
        api: { apiId: 'local', stage: 'prod', domainName: `127.0.0.1:${s.port}` },
        connection: { connectionId: ID, connectedAt: 1705751697419, sourceIp: '1.2.3.4' },
        routeKey: '$default',
        body: 'ping',
      })
      // 1.25 s left, 250 ms margin: the send must give up at ~1 s, long before the 5 s
      // attempt timeout, with the request made once.
      await app.handler(event, lambdaContext(1250) as never)
      expect(caught).toBeInstanceOf(StreamerTimeoutError)
      expect(s.requests.length).toBe(1)
    })
  })
})
