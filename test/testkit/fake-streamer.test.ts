import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  ForbiddenError,
  GoneError,
  MAX_MESSAGE_BYTES,
  PayloadTooLargeError,
  StreamerServiceError,
  StreamerValidationError,
  ThrottledError,
} from '../../src/index.js'
import { CallAssertionError, FakeStreamer, TestkitError, UnexpectedCallError } from '../../testkit/index.js'

const EP = 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod'
const T0 = Date.UTC(2024, 0, 20, 11, 55, 0)

function fake(options: ConstructorParameters<typeof FakeStreamer>[0] = {}) {
  return new FakeStreamer({ now: () => T0, ...options })
}

describe('FakeStreamer: @connections semantics (via the shared model)', () => {
  it('delivers a post to a live connection and records it', async () => {
    const f = fake()
    const id = f.connect()
    expect(id).toMatch(/^[A-Za-z0-9+/_-]{15}=$/)
    await f.client(EP).postToConnection(id, 'hello')
    await f.client(EP).postToConnection(id, { n: 1 })
    await f.client(EP).postToConnection(id, new Uint8Array([0xe2, 0x82, 0xac]))
    expect(f.received(id)).toEqual(['hello', '{"n":1}', '€'])
    expect(f.receivedJSON(f.connect())).toEqual([])
    expect(f.calls).toEqual([
      {
        op: 'post',
        endpoint: EP,
        connectionId: id,
        bytes: new TextEncoder().encode('hello'),
        data: 'hello',
        status: 200,
        at: T0,
      },
      expect.objectContaining({ op: 'post', data: '{"n":1}', status: 200 }),
      expect.objectContaining({ op: 'post', data: '€', status: 200 }),
    ])
  })

  it('answers 410 for closed, not-yet-connected and (lenient) unknown ids, and records the 410', async () => {
    const f = fake({ strict: false })
    const closed = f.gone()
    const connecting = f.connecting()
    const live = f.connect()
    f.close(live)
    for (const id of [closed, connecting, live, 'NeverSeenId0000=']) {
      const error = await f
        .client(EP)
        .postToConnection(id, 'x')
        .catch((e) => e)
      expect(error).toBeInstanceOf(GoneError)
      expect(error).toMatchObject({ status: 410, code: 'GoneException', connectionId: id })
    }
    expect(f.calls.map((c) => [c.connectionId, c.status, c.error])).toEqual([
      [closed, 410, 'GoneException'],
      [connecting, 410, 'GoneException'],
      [live, 410, 'GoneException'],
      ['NeverSeenId0000=', 410, 'GoneException'],
    ])
    expect(f.received(live)).toEqual([])
  })

  it('refuses data over 128 KB with a 413 before any request, and accepts exactly 128 KB', async () => {
    const f = fake()
    const id = f.connect()
    const error = await f
      .client(EP)
      .postToConnection(id, 'x'.repeat(MAX_MESSAGE_BYTES + 1))
      .catch((e) => e)
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error.status).toBe(413)
    expect(f.calls).toEqual([])
    await f.client(EP).postToConnection(id, 'x'.repeat(MAX_MESSAGE_BYTES))
    expect(f.calls).toHaveLength(1)
    expect(f.received(id)[0]).toHaveLength(MAX_MESSAGE_BYTES)
  })

  it('returns realistic GetConnection data', async () => {
    const f = fake()
    const withUa = f.connect('R1kmxc2VNjMCFIA=', {
      connectedAt: T0 - 60_000,
      lastActiveAt: T0 - 5_000,
      sourceIp: '49.105.91.154',
      userAgent: 'Mozilla/5.0',
    })
    expect(await f.client(EP).getConnection(withUa)).toEqual({
      connectionId: withUa,
      connectedAt: new Date(T0 - 60_000),
      lastActiveAt: new Date(T0 - 5_000),
      sourceIp: '49.105.91.154',
      userAgent: 'Mozilla/5.0',
    })
    const plain = await f.client(EP).getConnection(f.connect())
    expect(plain).not.toHaveProperty('userAgent')
    expect(plain).toMatchObject({
      connectedAt: new Date(T0),
      lastActiveAt: new Date(T0),
      sourceIp: '203.0.113.10',
    })
    expect(f.calls.map((c) => [c.op, c.status])).toEqual([
      ['get', 200],
      ['get', 200],
    ])
  })

  it('delete closes the connection (204); deleting again is Gone, which the client counts as done', async () => {
    const f = fake()
    const id = f.connect()
    await f.client(EP).deleteConnection(id)
    expect(f.state(id)).toBe('closed')
    await expect(f.client(EP).deleteConnection(id)).resolves.toBeUndefined()
    await expect(f.client(EP).postToConnection(id, 'x')).rejects.toBeInstanceOf(GoneError)
    expect(f.calls.map((c) => [c.op, c.status])).toEqual([
      ['delete', 204],
      ['delete', 410],
      ['post', 410],
    ])
  })

  it('broadcast reports sent, gone and failed ids without throwing', async () => {
    const f = fake()
    const a = f.connect()
    const b = f.gone()
    const c = f.connect()
    f.fail({ connectionId: c, status: 403 })
    const result = await f.client(EP).broadcast([a, b, c], { hi: 1 })
    expect(result.sent).toEqual([a])
    expect(result.gone).toEqual([b])
    expect(result.failed).toHaveLength(1)
    expect(result.failed[0]!.connectionId).toBe(c)
    expect(result.failed[0]!.error).toBeInstanceOf(ForbiddenError)
    expect(f.received(a)).toEqual(['{"hi":1}'])
  })
})

describe('FakeStreamer: faults', () => {
  it('throttles N times then succeeds, recording every attempt', async () => {
    const f = fake()
    const id = f.connect()
    f.throttle(2, { op: 'post' })
    await f.client(EP).postToConnection(id, 'x')
    expect(f.calls.map((c) => [c.status, c.error])).toEqual([
      [429, 'LimitExceededException'],
      [429, 'LimitExceededException'],
      [200, undefined],
    ])
    expect(f.received(id)).toEqual(['x'])
    f.verify()
  })

  it('gives up with a ThrottledError when throttling outlasts the retries', async () => {
    const f = fake({ retry: { maxAttempts: 2, baseDelayMs: 0 } })
    const id = f.connect()
    f.throttle(5)
    await expect(f.client(EP).postToConnection(id, 'x')).rejects.toBeInstanceOf(ThrottledError)
    expect(f.calls).toHaveLength(2)
    expect(f.received(id)).toEqual([])
  })

  it('faults apply per op and per connection, with the typed error for the status', async () => {
    const f = fake()
    const a = f.connect()
    const b = f.connect()
    f.fail({ op: 'get', status: 403 })
    f.fail({ connectionId: b, op: 'post', status: 500, times: 1 })
    await expect(f.client(EP).getConnection(a)).rejects.toBeInstanceOf(ForbiddenError)
    await f.client(EP).postToConnection(a, 'to a')
    await f.client(EP).postToConnection(b, 'to b')
    expect(f.calls.map((c) => [c.op, c.connectionId, c.status])).toEqual([
      ['get', a, 403],
      ['post', a, 200],
      ['post', b, 500],
      ['post', b, 200],
    ])
  })

  it('a network fault (status 0) is retryable and recorded as no answer', async () => {
    const f = fake({ retry: false })
    const id = f.connect()
    f.fail({ status: 0, times: 1 })
    const error = await f
      .client(EP)
      .postToConnection(id, 'x')
      .catch((e) => e)
    expect(error).toBeInstanceOf(StreamerServiceError)
    expect(error.retryable).toBe(true)
    expect(f.calls[0]).toMatchObject({ status: 0, error: 'NetworkError' })
  })

  it('latency delays the answer and respects the caller deadline', async () => {
    const f = new FakeStreamer()
    const id = f.connect()
    f.latency(40, { times: 1 })
    const started = performance.now()
    await f.client(EP).postToConnection(id, 'slow')
    expect(performance.now() - started).toBeGreaterThanOrEqual(35)
    f.latency(5_000)
    const error = await f
      .client(EP)
      .postToConnection(id, 'too slow', { deadline: Date.now() + 20 })
      .catch((e) => e)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toMatch(/TimeoutError/)
    expect(f.received(id)).toEqual(['slow'])
  })

  it('rejects malformed faults with a clear error', () => {
    const f = fake()
    expect(() => f.fail({})).toThrow(/needs a status .* or latencyMs/)
    expect(() => f.fail({ status: 200 })).toThrow(/is a success/)
    expect(() => f.fail({ status: 429, times: 0 })).toThrow(/positive integer/)
    expect(() => f.fail({ op: 'put' as never, status: 500 })).toThrow(/op must be/)
  })

  it('verify() reports a finite fault the test never triggered', () => {
    const f = fake()
    f.connect()
    f.throttle(1)
    expect(() => f.verify()).toThrow(/fault never triggered: \{"status":429,"times":1\}/)
  })
})

describe('FakeStreamer: strict by default', () => {
  it('a call for an id the test never introduced throws an UnexpectedCallError naming the call', async () => {
    const f = fake()
    const error = await f
      .client(EP)
      .postToConnection('TypoId000000000=', 'x')
      .catch((e) => e)
    expect(error).toBeInstanceOf(UnexpectedCallError)
    expect(error.message).toContain(`unexpected post for TypoId000000000= at ${EP}`)
    expect(error.message).toContain('fake.gone(id)')
    expect(f.violations).toHaveLength(1)
    expect(f.calls[0]).toMatchObject({ op: 'post', error: 'UnexpectedCall' })
    expect(() => f.verify()).toThrow(CallAssertionError)
    expect(() => f.assertCalls([{ op: 'post', connectionId: 'TypoId000000000=' }])).toThrow(
      /violation: unexpected post/,
    )
  })

  it('a strict violation is not retried and surfaces even through broadcast', async () => {
    const f = fake()
    const a = f.connect()
    const result = await f.client(EP).broadcast([a, 'Unknown00000000='], 'x')
    expect(result.sent).toEqual([a])
    expect(result.failed[0]!.error).toBeInstanceOf(UnexpectedCallError)
    expect(f.calls).toHaveLength(2)
    expect(() => f.verify()).toThrow(/Unknown00000000=/)
  })

  it('calls to another endpoint than the one served are violations (strict) or 403 (lenient)', async () => {
    const other = 'https://chat.example.com'
    const strict = fake({ endpoint: `${EP}/` })
    expect(strict.endpoint).toBe(EP)
    const id = strict.connect()
    await strict.client().postToConnection(id, 'ok')
    await expect(strict.client(other).postToConnection(id, 'x')).rejects.toThrow(/this fake serves/)
    const lenient = fake({ endpoint: EP, strict: false })
    const id2 = lenient.connect()
    await expect(lenient.client(other).postToConnection(id2, 'x')).rejects.toBeInstanceOf(ForbiddenError)
    expect(lenient.calls[0]).toMatchObject({ endpoint: other, status: 403, error: 'ForbiddenException' })
  })

  it('expect() declares planned calls: a different call fails, a missing one fails verify()', async () => {
    const f = fake()
    const a = f.connect()
    const b = f.connect()
    f.expect({ op: 'post', connectionId: a, json: { hi: 1 } }, { op: 'get', connectionId: b })
    await f.client(EP).postToConnection(a, { hi: 1 })
    const error = await f
      .client(EP)
      .postToConnection(b, 'x')
      .catch((e) => e)
    expect(error).toBeInstanceOf(UnexpectedCallError)
    expect(error.message).toMatch(/expected call #1 is get .*op: expected "get", got "post"/)
    await f.client(EP).getConnection(b)
    const extra = await f
      .client(EP)
      .getConnection(b)
      .catch((e) => e)
    expect(extra.message).toMatch(/all 2 expected call\(s\) were already made/)

    const g = fake()
    g.expect({ op: 'delete', connectionId: g.connect() })
    expect(() => g.verify()).toThrow(/expected call never made: delete/)
  })

  it('rejects bad test input with clear errors, before any call', async () => {
    const f = fake()
    const id = f.connect()
    expect(() => f.connect(id)).toThrow(/already exists/)
    expect(() => f.connect('')).toThrow(TestkitError)
    expect(() => f.close('NeverSeen0000000=')).toThrow(/never seen/)
    expect(() => new FakeStreamer().client()).toThrow(/needs an endpoint/)
    await expect(f.client(EP).postToConnection('bad id', 'x')).rejects.toBeInstanceOf(StreamerValidationError)
    expect(f.calls).toEqual([])
    await f.client(EP).postToConnection(id, 'not json')
    expect(() => f.receivedJSON(id)).toThrow(/message #0 .* is not JSON/)
  })
})

describe('FakeStreamer.assertCalls', () => {
  async function recorded() {
    const f = fake()
    const a = f.connect('AAAAAAAAAAAAAAA=')
    const b = f.gone('BBBBBBBBBBBBBBB=')
    await f.client(EP).postToConnection(a, '{"type":"hi","n":1}')
    await f
      .client(EP)
      .postToConnection(b, 'bye')
      .catch(() => {})
    await f.client(EP).getConnection(a)
    return { f, a, b }
  }

  it('passes when the calls match exactly in number and order', async () => {
    const { f, a, b } = await recorded()
    f.assertCalls([
      { op: 'post', connectionId: a, endpoint: EP, status: 200, json: { n: 1, type: 'hi' } },
      { op: 'post', connectionId: b, status: 410, error: 'GoneException', data: 'bye' },
      { op: 'get', connectionId: a, status: 200 },
    ])
    const sha = createHash('sha256').update('bye').digest('hex')
    f.assertCalls([
      { op: 'post', connectionId: a, dataSize: 19 },
      { op: 'post', connectionId: b, dataSha256: sha, dataBase64: Buffer.from('bye').toString('base64') },
      { op: 'get', connectionId: a },
    ])
  })

  it('fails on a missing call, an extra call, a wrong field or wrong data, with a diff', async () => {
    const { f, a, b } = await recorded()
    const all = [
      { op: 'post' as const, connectionId: a },
      { op: 'post' as const, connectionId: b },
      { op: 'get' as const, connectionId: a },
    ]
    expect(() => f.assertCalls(all.slice(0, 2))).toThrow(/#2 unexpected: get AAAAAAAAAAAAAAA=/)
    expect(() => f.assertCalls([...all, { op: 'delete', connectionId: a }])).toThrow(
      /#3 missing: expected delete/,
    )
    expect(() => f.assertCalls([{ ...all[0]!, status: 410 }, all[1]!, all[2]!])).toThrow(
      /#0 differs.*\n\s+status: expected 410, got 200/,
    )
    expect(() => f.assertCalls([{ ...all[0]!, data: 'other' }, all[1]!, all[2]!])).toThrow(
      /data: expected "other"/,
    )
    expect(() => f.assertCalls([{ ...all[0]!, json: { n: 2, type: 'hi' } }, all[1]!, all[2]!])).toThrow(
      /json:/,
    )
    expect(() => f.assertCalls([all[1]!, all[0]!, all[2]!])).toThrow(/connectionId: expected/)
    expect(() => f.assertCalls([all[0]!, all[1]!, { ...all[2]!, data: 'x' }])).toThrow(/carries none/)
  })

  it('refuses an expectation with a misspelt field instead of silently ignoring it', async () => {
    const { f, a } = await recorded()
    expect(() => f.assertCalls([{ op: 'post', connectionID: a } as never])).toThrow(
      /unknown field "connectionID"/,
    )
    expect(() => f.assertCalls([{ op: 'send', connectionId: a } as never])).toThrow(/op must be/)
  })

  it('clearCalls() and reset() forget what happened but keep connections', async () => {
    const { f, a } = await recorded()
    f.clearCalls()
    f.assertCalls([])
    f.throttle(1)
    f.reset()
    await f.client(EP).postToConnection(a, 'again')
    f.assertCalls([{ op: 'post', connectionId: a, status: 200, data: 'again' }])
    expect(f.received(a)).toEqual(['again'])
  })
})
