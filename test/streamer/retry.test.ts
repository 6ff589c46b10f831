import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  ForbiddenError,
  GoneError,
  PayloadTooLargeError,
  StreamerServiceError,
  ThrottledError,
} from '../../src/index.js'
import { StreamerNetworkError, StreamerTimeoutError } from '../../src/streamer/errors.js'
import { backoffDelay, DEFAULT_RETRY, resolveRetry, withRetry } from '../../src/streamer/retry.js'
import { aws, type Loopback, type Responder, startLoopback, useDummyCredentials } from './aws-loopback.js'
import { clientFactory, TRANSPORTS } from './transports.js'

describe.each(TRANSPORTS)('over the $name transport', (transport) => {
  const createStreamerClient = clientFactory(transport)

  const ID = 'R1kmxc2VNjMCFIA='
  let server: Loopback

  beforeAll(async () => {
    useDummyCredentials()
    server = await startLoopback()
  })
  afterAll(() => server.close())

  // Answers from a script, one per request, then the last one forever.
  function script(...replies: ReturnType<Responder>[]): Responder {
    let i = 0
    return () => replies[Math.min(i++, replies.length - 1)]!
  }

  function fresh(respond: Responder) {
    server.respond = respond
    server.requests.length = 0
  }

  const fast = { baseDelayMs: 1, maxDelayMs: 5 }

  describe('retries through the real SDK', () => {
    for (const [label, transient] of [
      ['429', aws.throttled()],
      ['500', aws.internal()],
      ['bare 503', aws.bare(503)],
    ] as const) {
      it(`retries a ${label} and succeeds`, async () => {
        fresh(script(transient, transient, aws.ok()))
        await createStreamerClient({
          endpoint: server.endpoint,
          region: 'eu-west-1',
          retry: fast,
        }).postToConnection(ID, 'hi')
        expect(server.requests.length).toBe(3)
      })
    }

    it('retries a network error (socket reset without an answer)', async () => {
      fresh(script('reset', aws.ok()))
      await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        retry: fast,
      }).postToConnection(ID, 'hi')
      expect(server.requests.length).toBe(2)
    })

    for (const [label, final, ctor] of [
      ['410', aws.gone(), GoneError],
      ['bare 410', aws.bare(410), GoneError],
      ['403', aws.forbidden(), ForbiddenError],
      ['413', aws.tooLarge(), PayloadTooLargeError],
    ] as const) {
      it(`never retries a ${label}`, async () => {
        fresh(script(final, aws.ok()))
        const error = await createStreamerClient({
          endpoint: server.endpoint,
          region: 'eu-west-1',
          retry: { ...fast, maxAttempts: 5 },
        })
          .postToConnection(ID, 'hi')
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(ctor)
        expect(server.requests.length).toBe(1)
      })
    }

    it('is bounded: maxAttempts in all, then the last error', async () => {
      fresh(() => aws.bare(503))
      const error = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        retry: { ...fast, maxAttempts: 4 },
      })
        .postToConnection(ID, 'hi')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerServiceError)
      expect((error as StreamerServiceError).status).toBe(503)
      expect(server.requests.length).toBe(4)
    })

    it('defaults to 3 attempts', async () => {
      fresh(() => aws.throttled())
      const error = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        retry: fast,
      })
        .postToConnection(ID, 'hi')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ThrottledError)
      expect(server.requests.length).toBe(DEFAULT_RETRY.maxAttempts)
    })

    it('retry: false makes one attempt', async () => {
      fresh(script(aws.throttled(), aws.ok()))
      const error = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        retry: false,
      })
        .postToConnection(ID, 'hi')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ThrottledError)
      expect(server.requests.length).toBe(1)
    })

    it('getConnection and deleteConnection retry too', async () => {
      const c = createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1', retry: fast })
      fresh(
        script(
          aws.internal(),
          aws.connection({
            connectedAt: '2024-01-01T00:00:00Z',
            lastActiveAt: '2024-01-01T00:00:01Z',
            sourceIp: '1.1.1.1',
          }),
        ),
      )
      expect((await c.getConnection(ID)).sourceIp).toBe('1.1.1.1')
      expect(server.requests.length).toBe(2)
      fresh(script(aws.throttled(), aws.noContent()))
      await c.deleteConnection(ID)
      expect(server.requests.length).toBe(2)
    })
  })

  describe('deadline (the Lambda remaining time) and cancellation', () => {
    it('a deadline already past makes no request', async () => {
      fresh(() => aws.ok())
      const error = await createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' })
        .postToConnection(ID, 'hi', { deadline: Date.now() - 1 })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerTimeoutError)
      expect((error as StreamerTimeoutError).retryable).toBe(false)
      expect(server.requests.length).toBe(0)
    })

    it('does not start a backoff that would end past the deadline; throws the real error', async () => {
      fresh(() => aws.throttled())
      const error = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        // A 60 s backoff against a 2 s deadline: waiting would only burn Lambda time.
        retry: { maxAttempts: 10, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.99 },
      })
        .postToConnection(ID, 'hi', { deadline: Date.now() + 2000 })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ThrottledError)
      expect(server.requests.length).toBe(1)
    })

    it('aborts an attempt still in flight at the deadline', async () => {
      fresh(() => 'hang')
      const error = await createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' })
        .postToConnection(ID, 'hi', { deadline: Date.now() + 500 })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerTimeoutError)
      expect(server.requests.length).toBe(1)
    })

    it('abandons a silent attempt after attemptTimeoutMs and retries it', async () => {
      fresh(script('hang', aws.ok()))
      await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        attemptTimeoutMs: 300,
        retry: fast,
      }).postToConnection(ID, 'hi')
      expect(server.requests.length).toBe(2)
    })

    it('a silent service on every attempt ends as a retryable network timeout', async () => {
      fresh(() => 'hang')
      const error = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        attemptTimeoutMs: 200,
        retry: { ...fast, maxAttempts: 2 },
      })
        .postToConnection(ID, 'hi')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerNetworkError)
      expect((error as StreamerNetworkError).code).toBe('TimeoutError')
      expect(server.requests.length).toBe(2)
    })

    it("the caller's signal rejects with its own reason, in flight or during backoff", async () => {
      fresh(() => 'hang')
      const c = createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' })
      const inFlight = new AbortController()
      const p1 = c.postToConnection(ID, 'hi', { signal: inFlight.signal }).catch((e: unknown) => e)
      setTimeout(() => inFlight.abort(new Error('caller gave up')), 200)
      expect(((await p1) as Error).message).toBe('caller gave up')

      fresh(() => aws.throttled())
      const backoff = new AbortController()
      const slow = createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.99 },
      })
      const p2 = slow.postToConnection(ID, 'hi', { signal: backoff.signal }).catch((e: unknown) => e)
      setTimeout(() => backoff.abort(), 300)
      expect((await p2) as Error).toHaveProperty('name', 'AbortError')
      expect(server.requests.length).toBe(1)
    })
  })

  describe('the policy', () => {
    it('full jitter: a uniform draw below an exponentially growing, capped ceiling', () => {
      const top = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 })
      expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, top))).toEqual([99, 199, 399, 799, 999, 999])
      const bottom = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 })
      expect(backoffDelay(3, bottom)).toBe(0)
      const mid = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 })
      expect(backoffDelay(3, mid)).toBe(200)
    })

    it('a Retry-After is a floor for the delay, within the cap', () => {
      const p = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 })
      expect(backoffDelay(1, p, new ThrottledError(undefined, { retryAfterMs: 300 }))).toBe(300)
      expect(backoffDelay(1, p, new ThrottledError(undefined, { retryAfterMs: 30_000 }))).toBe(1000)
    })

    it('rejects nonsense options up front', () => {
      for (const bad of [
        { maxAttempts: 0 },
        { maxAttempts: 1.5 },
        { baseDelayMs: -1 },
        { maxDelayMs: Number.NaN },
      ]) {
        expect(() => createStreamerClient({ endpoint: 'http://127.0.0.1:1/prod', retry: bad })).toThrow(
          /retry\./,
        )
      }
      expect(() =>
        createStreamerClient({ endpoint: 'http://127.0.0.1:1/prod', attemptTimeoutMs: -5 }),
      ).toThrow(/attemptTimeoutMs/)
    })

    it('sleeps between attempts for exactly the drawn delay', async () => {
      vi.useFakeTimers()
      try {
        let n = 0
        const policy = resolveRetry({
          maxAttempts: 3,
          baseDelayMs: 80,
          maxDelayMs: 1000,
          random: () => 0.999,
        })
        const done = withRetry(
          async () => {
            if (++n < 3) throw new ThrottledError()
          },
          policy,
          undefined,
          0,
        )
        // Ceilings 80 then 160 ms, drawn at 0.999: 79 ms, then 159 ms.
        await vi.advanceTimersByTimeAsync(78)
        expect(n).toBe(1)
        await vi.advanceTimersByTimeAsync(1)
        expect(n).toBe(2)
        await vi.advanceTimersByTimeAsync(158)
        expect(n).toBe(2)
        await vi.advanceTimersByTimeAsync(1)
        expect(n).toBe(3)
        await done
      } finally {
        vi.useRealTimers()
      }
    })
  })
})
