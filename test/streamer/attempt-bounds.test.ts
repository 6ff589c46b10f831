import { describe, expect, it } from 'vitest'
import { createStreamerClient, StreamerNetworkError, StreamerTimeoutError } from '../../src/index.js'
import type { Transport } from '../../src/streamer/transport/types.js'

// A transport that bounds its own attempts (the built-in ones do) is handed the caller's
// signal and the time the attempt may take; the streamer allocates nothing per attempt.
// One that does not gets a per-attempt signal, aborted at the timeout or the deadline.

const ID = 'R1kmxc2VNjMCFIA='
const endpoint = 'http://127.0.0.1:1/prod'

function recording(boundsAttempts: boolean, fail?: (n: number) => Error | undefined) {
  const seen: Array<{ signal: AbortSignal | undefined; timeoutMs: number | undefined }> = []
  const transport: Transport = {
    boundsAttempts,
    post: async (_id, _data, signal, timeoutMs) => {
      seen.push({ signal, timeoutMs })
      const error = fail?.(seen.length)
      if (error) throw error
    },
    get: () => Promise.reject(new Error('unused')),
    delete: () => Promise.resolve(),
  }
  return { transport, seen }
}

describe('bounded transports', () => {
  it('get no signal of the streamer and the attempt timeout as timeoutMs', async () => {
    const { transport, seen } = recording(true)
    await createStreamerClient({ endpoint, transport, attemptTimeoutMs: 1234 }).postToConnection(ID, 'x')
    expect(seen).toEqual([{ signal: undefined, timeoutMs: 1234 }])
  })

  it("get the caller's own signal, and the time left when the deadline is nearer", async () => {
    const { transport, seen } = recording(true)
    const caller = new AbortController()
    await createStreamerClient({ endpoint, transport, attemptTimeoutMs: 5000 }).postToConnection(ID, 'x', {
      signal: caller.signal,
      deadline: Date.now() + 800,
    })
    expect(seen[0]!.signal).toBe(caller.signal)
    expect(seen[0]!.timeoutMs).toBeGreaterThan(600)
    expect(seen[0]!.timeoutMs).toBeLessThanOrEqual(800)
  })

  it('a timeout that the deadline set is a StreamerTimeoutError; one the attempt timeout set is retried', async () => {
    const timeout = () => new StreamerNetworkError('no answer', 'TimeoutError')
    const byDeadline = recording(true, timeout)
    const error = await createStreamerClient({
      endpoint,
      transport: byDeadline.transport,
      attemptTimeoutMs: 5000,
    })
      .postToConnection(ID, 'x', { deadline: Date.now() + 500 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StreamerTimeoutError)
    expect(byDeadline.seen).toHaveLength(1)

    const byAttempt = recording(true, (n) => (n === 1 ? timeout() : undefined))
    await createStreamerClient({
      endpoint,
      transport: byAttempt.transport,
      attemptTimeoutMs: 100,
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
    }).postToConnection(ID, 'x', { deadline: Date.now() + 60_000 })
    expect(byAttempt.seen).toHaveLength(2)
  })
})

describe('transports that do not bound their attempts', () => {
  it('get a fresh signal per attempt from the streamer, and no timeoutMs', async () => {
    const { transport, seen } = recording(false, (n) =>
      n === 1 ? new StreamerNetworkError('reset', 'ECONNRESET') : undefined,
    )
    await createStreamerClient({
      endpoint,
      transport,
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
    }).postToConnection(ID, 'x')
    expect(seen).toHaveLength(2)
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal)
    expect(seen[1]!.signal).toBeInstanceOf(AbortSignal)
    expect(seen[0]!.signal).not.toBe(seen[1]!.signal)
    expect(seen[0]!.timeoutMs).toBeUndefined()
  })
})
