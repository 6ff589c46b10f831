import { describe, expect, it } from 'vitest'
import { MemoryConnectionStore } from '../../src/connections/memory.js'
import {
  buildAlbEvent,
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  buildRestEvent,
} from '../../src/events/http.js'
import { App, AppError, createJsonLogger, UnknownEventError } from '../../src/index.js'
import { FakeStreamer } from '../../testkit/index.js'
import { sample } from '../events/samples/index.js'

// A bounded fuzz run over every trigger: ~20 000 events made from real-shaped samples by
// a fixed-seed generator, each mutated in the ways API Gateway never sends (wrong types,
// deep nesting, own `__proto__` keys, huge strings, missing fields). Every event must end
// in a clean answer: a valid result (with the error envelope on every error), or a
// rejection the App means (UnknownEventError; an authorizer's refusal), never a
// TypeError, a RangeError, a polluted prototype or a stall.

const EVENTS = 20_000
const STALL_MS = 50

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const bases: Array<() => any> = [
  () => sample('ws-connect'),
  () => sample('ws-message'),
  () => sample('ws-disconnect'),
  () => sample('ws-message-custom-route-authorized'),
  () => sample('authorizer-request'),
  () => sample('rest-v1'),
  () => sample('http-v2'),
  () => sample('function-url'),
  () => sample('alb'),
  () => sample('alb-multivalue'),
  () => sample('http-v2-authorizer'),
  () => sample('rest-token-authorizer'),
  () => buildRestEvent({ method: 'POST', path: '/echo', query: { a: ['1', '2'] }, body: '{"x":1}' }),
  () => buildHttpApiEvent({ method: 'POST', path: '/echo', query: { a: ['1', '2'] }, body: '{"x":1}' }),
  () => buildFunctionUrlEvent({ path: '/echo', headers: { Cookie: 'a=1' } }),
  () => buildAlbEvent({ path: '/echo', multiValueHeaders: true, query: { 'a b': ['c d'] } }),
]

function deep(depth: number): unknown {
  let v: unknown = 'leaf'
  for (let i = 0; i < depth; i++) v = { v }
  return v
}

function value(r: () => number): unknown {
  const pick = Math.floor(r() * 18)
  switch (pick) {
    case 0:
      return null
    case 1:
      return undefined
    case 2:
      return Math.floor(r() * 1e6) - 5e5
    case 3:
      return Number.NaN
    case 4:
      return r() < 0.5
    case 5:
      return ''
    case 6:
      return 'x'.repeat(Math.floor(r() * 200_000))
    case 7:
      return [1, 'a', null, { b: 2 }]
    case 8:
      return {}
    case 9:
      return deep(1 + Math.floor(r() * 20_000))
    case 10:
      return JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}')
    case 11:
      return 'a,b,%E0%A4%A,+%2B%zz'
    case 12:
      return ['x', 7, ['nested'], { k: 'v' }]
    case 13:
      return { toString: 'not a function', valueOf: 1, length: -1 }
    case 14:
      return '/'.repeat(Math.floor(r() * 50_000))
    case 15:
      return '{"action":"x","__proto__":{"polluted":"yes"}}'
    case 16:
      return `${'a'.repeat(40)}.lambda-url.${'b-'.repeat(Math.floor(r() * 20_000))}.on.aws`
    default:
      return 'R1kmxc2VNjMCFIA='
  }
}

/** Every (container, key) in the event, so a mutation can land anywhere. */
function slots(event: any): Array<[any, string]> {
  const out: Array<[any, string]> = []
  const walk = (o: any, d: number) => {
    if (d > 4 || o === null || typeof o !== 'object') return
    for (const k of Object.keys(o)) {
      out.push([o, k])
      walk(o[k], d + 1)
    }
  }
  walk(event, 0)
  return out
}

function mutate(event: any, r: () => number): any {
  const n = 1 + Math.floor(r() * 3)
  for (let i = 0; i < n; i++) {
    const all = slots(event)
    const kind = r()
    if (kind < 0.08) return value(r) // the whole event
    if (all.length === 0) break
    const [o, k] = all[Math.floor(r() * all.length)]!
    if (kind < 0.2) delete o[k]
    else if (kind < 0.3 && o[k] && typeof o[k] === 'object' && !Array.isArray(o[k])) {
      // An own __proto__ key holding an object, beside the real ones.
      Object.defineProperty(o[k], '__proto__', {
        value: { polluted: 'yes' },
        enumerable: true,
        configurable: true,
        writable: true,
      })
    } else o[k] = value(r)
  }
  return event
}

function app() {
  const fake = new FakeStreamer({ strict: false })
  const a = new App({
    streamer: fake.factory,
    connections: new MemoryConnectionStore(),
    logger: () => createJsonLogger({ level: 'debug', write: () => {} }),
  })
  a.webSocket('$connect', (ctx) => {
    const ws = ctx.asWebSocket()
    void [ws.headers, ws.query, ws.protocols, ws.sourceIp, ws.userAgent, ws.requestTimeText, ws.principalId]
    if (ws.query.reject) ctx.reject(401)
  })
  a.webSocket('$default', async (ctx) => {
    const ws = ctx.asWebSocket()
    const body = ws.json<Record<string, unknown>>()
    return { got: typeof body, at: ws.requestTimeEpoch, endpoint: ws.managementEndpoint }
  })
  a.webSocket('sendmessage', (ctx) => ctx.asWebSocket().text().length)
  a.webSocket('$disconnect', (ctx) => {
    void [ctx.asWebSocket().disconnectStatusCode, ctx.asWebSocket().departed]
  })
  a.all('/*', (ctx) => ({
    q: ctx.req.query,
    all: ctx.req.queries('a'),
    h: ctx.req.header('content-type') ?? null,
    ip: ctx.req.sourceIp ?? null,
    text: ctx.req.text().length,
  }))
  a.post('/echo', (ctx) => ctx.req.json())
  a.authorizer((ctx, event) => {
    if (!event.queryStringParameters?.token) ctx.reject(401)
    return { principalId: 'p', context: { n: 1 } }
  })
  return a
}

const ENVELOPE = (body: unknown) => {
  const e = (body as { error?: Record<string, unknown> } | null)?.error
  return !!e && typeof e.code === 'string' && typeof e.message === 'string' && typeof e.requestId === 'string'
}

function checkResult(result: any): string | undefined {
  if (result === null || typeof result !== 'object') return `result is ${typeof result}`
  if ('policyDocument' in result)
    return typeof result.principalId === 'string' ? undefined : 'policy without principalId'
  if (!Number.isInteger(result.statusCode) || result.statusCode < 100 || result.statusCode > 599)
    return `statusCode ${result.statusCode}`
  if (result.body !== undefined && typeof result.body !== 'string') return 'non-string body'
  if (result.statusCode >= 400 && typeof result.body === 'string' && result.body !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(result.body)
    } catch {
      return `error ${result.statusCode} with a body that is not JSON`
    }
    if (!ENVELOPE(parsed))
      return `error ${result.statusCode} without the envelope: ${result.body.slice(0, 200)}`
  }
  return undefined
}

/** The rejections the App means: an unknown event, an authorizer's refusal. */
function meant(error: unknown): boolean {
  if (error instanceof UnknownEventError) return true
  return error instanceof Error && error.message === 'Unauthorized'
}

describe('fuzz: every trigger, mutated, fixed seed', () => {
  it(`${EVENTS} events: a clean answer each, no pollution, no stall`, async () => {
    const r = prng(0x5eed12)
    const target = app()
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort()
    const problems: string[] = []
    const slow: number[] = []
    const run = async (event: unknown) => {
      const started = performance.now()
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown }
      try {
        outcome = { ok: true, value: await target.handler(event, { awsRequestId: 'fuzz-request' }) }
      } catch (error) {
        outcome = { ok: false, error }
      }
      return { outcome, ms: performance.now() - started }
    }
    for (let i = 0; i < EVENTS; i++) {
      const event = mutate(bases[Math.floor(r() * bases.length)]!(), r)
      let { outcome, ms } = await run(event)
      // A stall repeats; a GC pause or the machine's load does not.
      if (ms > STALL_MS) ({ outcome, ms } = await run(event))
      if (ms > STALL_MS) slow.push(i)
      if (outcome.ok) {
        const why = checkResult(outcome.value)
        if (why) problems.push(`#${i}: ${why}`)
      } else if (!meant(outcome.error)) {
        const e = outcome.error as Error
        problems.push(`#${i}: rejected with ${e?.name}: ${String(e?.message).slice(0, 200)}`)
      }
      if (problems.length > 20) break
    }
    expect(problems).toEqual([])
    expect(slow).toEqual([])
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
  }, 60_000)

  it('AppError stays what it is: the fuzz app refuses with the envelope, not a crash', async () => {
    const result = await app().handler(buildRestEvent({ method: 'POST', path: '/echo', body: 'not json' }))
    expect(result.statusCode).toBe(400)
    expect(ENVELOPE(JSON.parse(result.body))).toBe(true)
    expect(new AppError('bad_request')).toBeInstanceOf(Error)
  })
})

describe('structural events API Gateway never sends (each one found by fuzzing)', () => {
  const cases: Array<[string, () => any]> = [
    [
      'an ALB query value that is a number',
      () => ({ ...sample('alb'), queryStringParameters: { a: 5, b: { c: 1 } } }),
    ],
    [
      'an ALB x-forwarded-for that is an array',
      () => {
        const e = sample('alb')
        e.headers['x-forwarded-for'] = ['1.2.3.4']
        return e
      },
    ],
    [
      'a numeric requestId (REST)',
      () => {
        const e = sample('rest-v1')
        e.requestContext.requestId = 42
        return e
      },
    ],
    [
      'a deeply nested requestId (WebSocket)',
      () => {
        const e = sample('ws-message')
        e.requestContext.requestId = deep(100_000)
        e.body = 'not json'
        return e
      },
    ],
    [
      'a deeply nested requestId (HTTP API)',
      () => {
        const e = sample('http-v2')
        e.requestContext.requestId = deep(100_000)
        return e
      },
    ],
    [
      'an own __proto__ header holding an object (REST)',
      () => {
        const e = sample('rest-v1')
        e.headers = JSON.parse('{"__proto__":{"polluted":"yes"},"content-type":"application/json"}')
        return e
      },
    ],
    [
      'an own __proto__ header holding an object (CONNECT)',
      () => {
        const e = sample('ws-connect')
        e.headers = JSON.parse('{"__proto__":{"polluted":"yes"},"Host":"x"}')
        return e
      },
    ],
    [
      'a string where the header map belongs (HTTP API)',
      () => ({ ...sample('http-v2'), headers: 'content-type: text/plain' }),
    ],
    [
      'a string where the header map belongs (CONNECT)',
      () => ({ ...sample('ws-connect'), headers: 'Host: x' }),
    ],
    ['a number body on a MESSAGE', () => ({ ...sample('ws-message'), body: 12 })],
  ]

  it.each(cases)('%s: a clean result with a string request id, no pollution', async (_name, make) => {
    const a = app()
    const event = make()
    const started = performance.now()
    const result = await a.handler(event, { awsRequestId: 'ctx-request' })
    expect(performance.now() - started).toBeLessThan(1000)
    expect(checkResult(result)).toBeUndefined()
    if (result.statusCode >= 400 && result.body)
      expect(typeof JSON.parse(result.body).error.requestId).toBe('string')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('the request id falls back to the Lambda one when the event’s is not a string', async () => {
    const e: any = buildRestEvent({ method: 'POST', path: '/echo', body: 'not json' })
    e.requestContext.requestId = { nested: true }
    const result = await app().handler(e, { awsRequestId: 'ctx-request' })
    expect(result.statusCode).toBe(400)
    expect(JSON.parse(result.body).error.requestId).toBe('ctx-request')
  })
})
