import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ForbiddenError, StreamerValidationError, ThrottledError, type Transport } from '../../src/index.js'
import { broadcastWith } from '../../src/streamer/broadcast.js'
import { GoneError, StreamerTimeoutError } from '../../src/streamer/errors.js'
import { aws, barrier, type Loopback, startLoopback, useDummyCredentials } from './aws-loopback.js'
import { clientFactory, TRANSPORTS } from './transports.js'

describe.each(TRANSPORTS)('over the $name transport', (transport) => {
  const createStreamerClient = clientFactory(transport)

  let server: Loopback
  beforeAll(async () => {
    useDummyCredentials()
    server = await startLoopback()
  })
  afterAll(() => server.close())

  function reset(respond: Loopback['respond']) {
    server.respond = respond
    server.requests.length = 0
  }

  const ids = (n: number, prefix = 'c') => Array.from({ length: n }, (_, i) => `${prefix}${i}=`)

  describe('broadcast through the real SDK', () => {
    it('reports sent, gone and failed; never throws for a single bad connection', async () => {
      reset((req) => {
        if (req.connectionId?.startsWith('gone')) return aws.gone()
        if (req.connectionId?.startsWith('bare')) return aws.bare(410)
        if (req.connectionId?.startsWith('deny')) return aws.forbidden()
        return aws.ok()
      })
      const c = createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1', retry: false })
      const result = await c.broadcast(
        ['ok1=', 'gone1=', 'ok2=', 'deny1=', 'bare1=', '', 'ok3='],
        { hello: 'world' },
        { concurrency: 3 },
      )
      expect(result.sent.sort()).toEqual(['ok1=', 'ok2=', 'ok3='])
      expect(result.gone.sort()).toEqual(['bare1=', 'gone1='])
      expect(result.failed.map((f) => f.connectionId).sort()).toEqual(['', 'deny1='])
      const byId = Object.fromEntries(result.failed.map((f) => [f.connectionId, f.error]))
      expect(byId['deny1=']).toBeInstanceOf(ForbiddenError)
      expect(byId['']).toBeInstanceOf(StreamerValidationError)
      // The invalid id made no request; every other id made exactly one, with the same body.
      expect(server.requests.length).toBe(6)
      expect(server.requests.every((r) => r.body.toString() === '{"hello":"world"}')).toBe(true)
    })

    // The server holds replies until `concurrency` requests wait, so reaching the bound is
    // certain (else `stalled`), and waits a little longer, so overshooting it shows.
    for (const concurrency of [1, 4, 16, 64, undefined]) {
      it(`never has more than ${concurrency ?? 'the default 64'} requests in flight, and does reach it`, async () => {
        const n = concurrency ?? 64
        const hold = barrier(n)
        const s = await startLoopback(hold)
        const c = createStreamerClient({ endpoint: s.endpoint, region: 'eu-west-1' })
        const result = await c.broadcast(ids(n * 3), 'x', concurrency === undefined ? {} : { concurrency })
        expect(result.sent.length).toBe(n * 3)
        expect(hold.stalled).toBe(false)
        expect(s.maxInFlight()).toBe(n)
        await s.close()
      })
    }

    it('retries a throttled connection inside the broadcast', async () => {
      let throttled = 0
      reset((req) => (req.connectionId === 'slow=' && throttled++ < 2 ? aws.throttled() : aws.ok()))
      const c = createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        retry: { baseDelayMs: 1, maxDelayMs: 2 },
      })
      const result = await c.broadcast(['a=', 'slow=', 'b='], 'x')
      expect(result.sent.sort()).toEqual(['a=', 'b=', 'slow='])
      expect(server.requests.filter((r) => r.connectionId === 'slow=').length).toBe(3)
    })

    it('accepts an async iterable (e.g. a table scan), read only as slots free up', async () => {
      reset(() => aws.ok(5))
      let pulled = 0
      async function* scan() {
        for (const id of ids(50)) {
          pulled++
          yield id
        }
      }
      const c = createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' })
      const result = await c.broadcast(scan(), 'x', { concurrency: 5 })
      expect(result.sent.length).toBe(50)
      expect(pulled).toBe(50)
      expect(server.maxInFlight()).toBeLessThanOrEqual(5)
    })

    it('an empty list sends nothing', async () => {
      reset(() => aws.ok())
      const result = await createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' }).broadcast(
        [],
        'x',
      )
      expect(result).toEqual({ sent: [], gone: [], failed: [] })
      expect(server.requests.length).toBe(0)
    })

    it('past the deadline, the rest fail as timeouts without requests', async () => {
      reset(() => aws.ok())
      const result = await createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' }).broadcast(
        ids(10),
        'x',
        { deadline: Date.now() - 1 },
      )
      expect(result.failed.length).toBe(10)
      expect(result.failed.every((f) => f.error instanceof StreamerTimeoutError)).toBe(true)
      expect(server.requests.length).toBe(0)
    })

    it('a caller abort stops pulling ids and rejects after in-flight sends settle', async () => {
      reset(() => aws.ok(20))
      const controller = new AbortController()
      let pulled = 0
      function* many() {
        for (let i = 0; i < 10_000; i++) {
          pulled++
          yield `id${i}=`
        }
      }
      const warnings: string[] = []
      const onWarning = (w: Error) => warnings.push(w.name)
      process.on('warning', onWarning)
      const c = createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' })
      const p = c.broadcast(many(), 'x', { concurrency: 20, signal: controller.signal })
      setTimeout(() => controller.abort(new Error('stop')), 60)
      await expect(p).rejects.toThrow('stop')
      process.off('warning', onWarning)
      expect(pulled).toBeLessThan(10_000)
      // 20 attempts listen at once; the caller's signal must not trip Node's leak warning.
      expect(warnings).not.toContain('MaxListenersExceededWarning')
    })
  })

  describe('broadcastWith (the bound, with an in-process transport)', () => {
    it('keeps exactly `concurrency` sends in flight while ids remain', async () => {
      let inFlight = 0
      let max = 0
      const samples: number[] = []
      const post = async () => {
        inFlight++
        max = Math.max(max, inFlight)
        await new Promise((r) => setTimeout(r, 1))
        samples.push(inFlight)
        inFlight--
      }
      const result = await broadcastWith(post, ids(100), 'x', { concurrency: 7 })
      expect(result.sent.length).toBe(100)
      expect(max).toBe(7)
      // Until the tail, every finishing send saw all 7 slots busy.
      expect(samples.slice(0, 90).every((n) => n === 7)).toBe(true)
    })

    it('a source that throws rejects with its error, only after in-flight sends settle', async () => {
      let inFlight = 0
      let settledBeforeReject = false
      const post = async () => {
        inFlight++
        await new Promise((r) => setTimeout(r, 20))
        inFlight--
      }
      async function* broken() {
        yield 'a='
        yield 'b='
        throw new Error('scan failed')
      }
      const error = await broadcastWith(post, broken(), 'x', { concurrency: 4 }).catch((e: unknown) => {
        settledBeforeReject = inFlight === 0
        return e
      })
      expect((error as Error).message).toBe('scan failed')
      expect(settledBeforeReject).toBe(true)
    })

    it('a post that throws non-Errors is still reported, not thrown', async () => {
      const result = await broadcastWith(
        async (id) => {
          if (id === 'x=') throw 'plain string'
          if (id === 'g=') throw new GoneError()
        },
        ['x=', 'g=', 'ok='],
        'd',
      )
      expect(result.sent).toEqual(['ok='])
      expect(result.gone).toEqual(['g='])
      expect(result.failed[0]!.error.message).toBe('plain string')
    })

    it('a custom Transport is used as is (the seam)', async () => {
      const posted: string[] = []
      const transport: Transport = {
        post: async (id, data) => {
          posted.push(`${id}:${Buffer.from(data).toString()}`)
          if (id === 't=') throw new ThrottledError()
        },
        get: async () => {
          throw new Error('unused')
        },
        delete: async () => {},
      }
      const c = createStreamerClient({
        endpoint: 'https://ws.example.com',
        region: 'eu-west-1',
        transport,
        retry: false,
      })
      const result = await c.broadcast(['a=', 't='], 'hi')
      expect(posted.sort()).toEqual(['a=:hi', 't=:hi'])
      expect(result.failed[0]!.error).toBeInstanceOf(ThrottledError)
    })
  })
})
