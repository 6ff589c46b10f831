import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  type Client,
  ClientClosedError,
  createClient,
  GatewayError,
  QueueFullError,
  RequestTimeoutError,
  ServerError,
} from '../../src/client/index.js'
import type { ActionsOf, SocketConstructor, SocketLike } from '../../src/client/types.js'
import type { TestApp } from './app.js'
import { type Gateway, sleep, startTestGateway, waitFor } from './helpers.js'

// socketeer/client in Node (20: no global WebSocket, so `ws` is loaded for it) against
// the real local gateway running the test App.

type C = Client<ActionsOf<TestApp>>
const clients: C[] = []
function client(url: string | (() => string), options: Parameters<typeof createClient<TestApp>>[1] = {}): C {
  const c = createClient<TestApp>(url, options)
  clients.push(c)
  return c
}
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
})

function opened(c: C): Promise<void> {
  return new Promise((resolve) => {
    const off = c.on('open', () => {
      off()
      resolve()
    })
  })
}

describe('requests and replies', () => {
  let gw: Gateway
  beforeAll(async () => {
    ;({ gw } = await startTestGateway({ integrationTimeoutMs: 800 }))
  })
  afterAll(() => gw.close())

  it('a one-way route answers through @connections, a two-way route through its route response', async () => {
    const c = client(gw.url)
    expect(await c.request('echo', { text: 'hi' })).toEqual({ echoed: 'hi' })
    const who = (await c.request('whoami')) as { connectionId: string }
    expect(gw.connections()).toContain(who.connectionId)
  })

  it('an AppError arrives as a ServerError with its code and details; a crash as `internal`, nothing leaked', async () => {
    const c = client(gw.url)
    const taken = await c.request('taken').catch((e) => e)
    expect(taken).toBeInstanceOf(ServerError)
    expect(taken).toMatchObject({ code: 'conflict', message: 'that name is taken', details: { name: 'ada' } })
    expect(typeof taken.requestId).toBe('string')
    const crash = await c.request('crash').catch((e) => e)
    expect(crash).toMatchObject({ code: 'internal', message: 'Internal server error' })
    expect(JSON.stringify(crash)).not.toContain('secret')
    // Schema failures are typed too.
    const bad = await c.request('echo', { text: 'x'.repeat(101) }).catch((e) => e)
    expect(bad).toBeInstanceOf(ServerError)
    expect(bad.code).toBe('bad_request')
    expect(bad.details[0].path).toBe('text')
  })

  it('AWS error frames become GatewayErrors: a failed function, an unknown route, a timed-out integration', async () => {
    const c = client(gw.url)
    await expect(c.request('boom' as 'echo', { text: '' })).rejects.toMatchObject({
      name: 'GatewayError',
      code: 'internal',
      message: 'Internal server error',
    })
    const forbidden = await c.request('nowhere' as 'echo', { text: '' }).catch((e) => e)
    expect(forbidden).toBeInstanceOf(GatewayError)
    expect(forbidden.code).toBe('forbidden')
    const slow = await c.request('slow', { ms: 1_500 }).catch((e) => e)
    expect(slow).toBeInstanceOf(GatewayError)
    expect(slow.code).toBe('gateway_timeout')
  })

  it('a request without a reply in time rejects with RequestTimeoutError, and the late reply is dropped', async () => {
    const c = client(gw.url)
    const late = await c.request('slow', { ms: 300 }, { timeout: 100 }).catch((e) => e)
    expect(late).toBeInstanceOf(RequestTimeoutError)
    expect(late.code).toBe('request_timeout')
    await sleep(400)
    expect(await c.request('echo', { text: 'after' })).toEqual({ echoed: 'after' })
  })

  it('the client takes the WebSocket class it is given', async () => {
    const made: string[] = []
    class Counted extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols)
        made.push(url)
      }
    }
    const c = client(gw.url, { WebSocket: Counted as unknown as SocketConstructor, session: false })
    expect(await c.request('echo', { text: 'x' })).toEqual({ echoed: 'x' })
    expect(made).toEqual([gw.url])
  })
})

// Its own gateway, alone in the process: a second running gateway's @connections
// variable would be the one the App reads (src/dev/runtime/env.ts).
describe('a crashed request handler', () => {
  it('a crashed handler: its request is rejected at once as `internal`, the invocation fails, and the AWS frame that follows rejects nothing else', async () => {
    const lines: string[] = []
    const { gw } = await startTestGateway({ logger: (l) => lines.push(l) })
    const c = client(gw.url, { requestTimeoutMs: 20_000 })
    for (const route of ['crash', 'crashTwoWay'] as const) {
      // A slower request waits on the same connection while the crash is answered.
      const slow = c.request('slow', { ms: 400 })
      const crash = await c.request(route).catch((e) => e)
      expect(crash).toBeInstanceOf(ServerError)
      expect(crash).toMatchObject({ code: 'internal', message: 'Internal server error' })
      expect(JSON.stringify(crash)).not.toContain('secret')
      // API Gateway's "Internal server error" frame for the failed invocation carries the
      // same requestId: it must not take the slow request down with it.
      expect(await slow).toEqual({ slept: 400 })
    }
    const errors: unknown[] = []
    c.on('error', (e) => errors.push(e))
    expect(await c.request('echo', { text: 'still here' })).toEqual({ echoed: 'still here' })
    expect(errors).toEqual([])
    // The invocations failed, as a plain Lambda's throw does (the gateway's 502 line).
    for (const route of ['crash', 'crashTwoWay'])
      expect(lines.some((l) => l.includes(route) && l.includes('502'))).toBe(true)
    await gw.close()
  })
})

describe('queue and close', () => {
  it('the send queue is bounded: one more is a QueueFullError, and close() rejects what waits', async () => {
    // Port 9 on loopback: nothing listens, every connect fails.
    const c = client('ws://127.0.0.1:9/dev', { queueLimit: 3, backoff: { initialMs: 50 } })
    c.send('echo', { text: '1' })
    c.send('echo', { text: '2' })
    const waiting = c.request('echo', { text: '3' })
    expect(() => c.send('echo', { text: '4' })).toThrow(QueueFullError)
    await expect(c.request('echo', { text: '5' })).rejects.toBeInstanceOf(QueueFullError)
    c.close()
    await expect(waiting).rejects.toBeInstanceOf(ClientClosedError)
    expect(() => c.send('echo', { text: '6' })).toThrow(ClientClosedError)
  })

  it('close() ends every timer and socket: a process that closed its client exits by itself', async () => {
    const { gw } = await startTestGateway()
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./exit-child.ts', import.meta.url)), gw.url],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c))),
      sleep(12_000).then(() => 'still running'),
    ])
    if (code === 'still running') child.kill()
    expect(code).toBe(0)
    expect(out.trim().split('\n')).toEqual(['{"echoed":"x"}', 'ClientClosedError'])
    await gw.close()
  }, 20_000)
})

describe('staying connected', () => {
  it('after an idle close (1001) it reconnects at once, runs onConnect again and keeps its session', async () => {
    const { gw } = await startTestGateway({ idleTimeoutMs: 400 })
    const reasons: string[] = []
    const reconnects: number[] = []
    const closes: number[] = []
    const c = client(gw.url, {
      keepaliveMs: 0,
      onConnect: async (link) => {
        reasons.push(link.reason)
        await link.request('join', { room: 'r', since: 0 })
      },
    })
    c.on('reconnect', (r) => reconnects.push(r.delayMs))
    c.on('close', (info) => closes.push(info.code))
    await opened(c)
    await waitFor(() => reasons.length >= 2, 5_000, 'a reconnect after the idle close')
    expect(closes[0]).toBe(1001)
    expect(reconnects[0]).toBe(0)
    expect(reasons.slice(0, 2)).toEqual(['initial', 'reconnect'])
    // The session id is sent on every connect.
    expect(c.session).toMatch(/^[A-Za-z0-9_-]{22}$/)
    c.close()
    await gw.close()
  })

  it('keepalive frames keep an idle connection open without invoking a function', async () => {
    const lines: string[] = []
    const { gw } = await startTestGateway({ idleTimeoutMs: 400, logger: (l) => lines.push(l) })
    const c = client(gw.url, { keepaliveMs: 150 })
    const closes: number[] = []
    c.on('close', (i) => closes.push(i.code))
    await opened(c)
    await sleep(1_300)
    expect(closes).toEqual([])
    expect(lines.filter((l) => l.includes('keepalive (mock)')).length).toBeGreaterThanOrEqual(4)
    c.close()
    await gw.close()
  })

  it('rotates before the lifetime limit with no close seen, and a session push arrives once', async () => {
    const { gw } = await startTestGateway({ lifetimeMs: 1_000 })
    const opens: string[] = []
    const closes: number[] = []
    const got: unknown[] = []
    const c = client(gw.url, { rotateAfterMs: 600, keepaliveMs: 0 })
    c.on('open', (i) => opens.push(i.reason))
    c.on('close', (i) => closes.push(i.code))
    c.on('message', (data) => got.push(data))
    await opened(c)
    // Pushes land while a rotation may hold two connections in the session.
    for (let n = 0; n < 8; n++) await c.request('later', { ms: 50 + n * 40, n })
    await waitFor(() => opens.filter((r) => r === 'rotate').length >= 3, 5_000, 'three rotations')
    await sleep(200)
    expect(closes).toEqual([])
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => ({ n })))
    c.close()
    await gw.close()
  })

  it('survives the gateway stopping and coming back on the same port, with a fresh token', async () => {
    let issued = 0
    const tokens = new Set<string>()
    const token = () => {
      const t = `t${++issued}`
      tokens.add(t)
      return t
    }
    let { gw } = await startTestGateway({ tokens })
    const port = gw.port
    const joins: string[] = []
    const c = client(() => `${gw.url}?token=${token()}`, {
      backoff: { initialMs: 100, maxMs: 400 },
      onConnect: async (link) => {
        joins.push(link.reason)
        await link.request('join', { room: 'lobby', since: 0 })
      },
    })
    await opened(c)
    await gw.close()
    await sleep(300)
    ;({ gw } = await startTestGateway({ tokens, port }))
    await waitFor(() => joins.length >= 2, 8_000, 'the reconnect')
    expect(await c.request('echo', { text: 'back' })).toEqual({ echoed: 'back' })
    expect(issued).toBeGreaterThanOrEqual(2)
    c.close()
    await gw.close()
  })

  it('a network failure is no auth error in Node; where failures say nothing (as in browsers) onAuthError runs every `authErrorAfter`', async () => {
    // Port 9 on loopback: nothing listens. `ws` says ECONNREFUSED, so credentials are not suspect.
    const hooks: [number | undefined, number][] = []
    const errors: string[] = []
    const c = client('ws://127.0.0.1:9/dev', {
      backoff: { initialMs: 10, maxMs: 20 },
      onAuthError: (e) => {
        hooks.push([e.status, e.failures])
      },
    })
    c.on('error', (e) => errors.push(e.code))
    await waitFor(() => errors.length >= 4, 5_000, 'four failed connects')
    c.close()
    expect(hooks).toEqual([])
    // A WebSocket whose error events carry nothing, as a browser's do.
    class Silent implements SocketLike {
      readonly #ws: WebSocket
      onopen: SocketLike['onopen'] = null
      onmessage: SocketLike['onmessage'] = null
      onclose: SocketLike['onclose'] = null
      onerror: SocketLike['onerror'] = null
      constructor(url: string, protocols?: string | string[]) {
        this.#ws = new WebSocket(url, protocols)
        this.#ws.onopen = (e) => this.onopen?.(e)
        this.#ws.onmessage = (e) => this.onmessage?.(e)
        this.#ws.onclose = (e) => this.onclose?.(e)
        this.#ws.onerror = () => this.onerror?.({ type: 'error' })
      }
      get readyState() {
        return this.#ws.readyState
      }
      get protocol() {
        return this.#ws.protocol
      }
      send(data: string) {
        this.#ws.send(data)
      }
      close(code?: number, reason?: string) {
        this.#ws.close(code, reason)
      }
    }
    const errors2: string[] = []
    const d = client('ws://127.0.0.1:9/dev', {
      WebSocket: Silent,
      authErrorAfter: 3,
      backoff: { initialMs: 10, maxMs: 20 },
      onAuthError: (e) => {
        hooks.push([e.status, e.failures])
      },
    })
    d.on('error', (e) => errors2.push(e.code))
    await waitFor(() => errors2.length >= 7, 5_000, 'seven failed connects')
    d.close()
    expect(hooks).toEqual([
      [undefined, 3],
      [undefined, 6],
    ])
  })

  it('a refused handshake (401) calls onAuthError and backs off instead of looping', async () => {
    const { gw } = await startTestGateway({ tokens: new Set(['good']) })
    const times: number[] = []
    const authErrors: number[] = []
    const c = client(
      () => {
        times.push(performance.now())
        return `${gw.url}?token=${times.length >= 5 ? 'good' : 'bad'}`
      },
      {
        backoff: { initialMs: 100, maxMs: 1_000 },
        onAuthError: (e) => {
          authErrors.push((e as { status?: number }).status ?? 0)
        },
      },
    )
    await opened(c)
    expect(times).toHaveLength(5)
    expect(authErrors).toEqual([401, 401, 401, 401])
    // Equal jitter: the n-th retry waits at least half of 100 * 2^(n-1) ms (timers never
    // fire early), so four refusals cannot be retried in a tight loop.
    for (let n = 1; n < times.length; n++)
      expect(times[n]! - times[n - 1]!).toBeGreaterThanOrEqual((100 * 2 ** (n - 1)) / 2 - 1)
    c.close()
    await gw.close()
  })
})
