import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_MESSAGE_BYTES, PayloadTooLargeError, StreamerValidationError } from '../../src/index.js'
import { type Loopback, startLoopback, useDummyCredentials } from './aws-loopback.js'
import { clientFactory, TRANSPORTS } from './transports.js'

describe.each(TRANSPORTS)('over the $name transport', (transport) => {
  const createStreamerClient = clientFactory(transport)

  // Caller errors are refused before any network call: the loopback server must see
  // zero requests for every one of them.

  let server: Loopback
  beforeAll(async () => {
    useDummyCredentials()
    server = await startLoopback()
  })
  afterAll(() => server.close())

  const client = () => createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' })

  async function refused(run: () => Promise<unknown>) {
    const before = server.requests.length
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(server.requests.length).toBe(before)
    return error
  }

  describe('connection ids', () => {
    const bad: unknown[] = [
      '',
      undefined,
      null,
      42,
      {},
      'abc/def',
      'abc def',
      'abc\n',
      'a?b',
      'a#b',
      '..',
      '.',
      'x'.repeat(129),
    ]
    for (const id of bad) {
      it(`refuses ${JSON.stringify(id) ?? String(id)} for every operation`, async () => {
        for (const op of [
          () => client().postToConnection(id as string, 'hi'),
          () => client().getConnection(id as string),
          () => client().deleteConnection(id as string),
        ]) {
          const error = await refused(op)
          expect(error).toBeInstanceOf(StreamerValidationError)
          expect((error as StreamerValidationError).retryable).toBe(false)
        }
      })
    }

    it('accepts emulator-style ids (UUIDs, base64 with + and =)', async () => {
      const before = server.requests.length
      await client().postToConnection('0b4f5c3e-8a9d-4e2b-9c1a-7f3e2d1c0b9a', 'hi')
      await client().postToConnection('a+b=', 'hi')
      expect(server.requests.length).toBe(before + 2)
      expect(server.requests.at(-1)?.connectionId).toBe('a+b=')
    })
  })

  describe('data', () => {
    it('over 128 KB is PayloadTooLargeError with no request (string, bytes, JSON, multi-byte UTF-8)', async () => {
      const tooBig = [
        'x'.repeat(MAX_MESSAGE_BYTES + 1),
        new Uint8Array(MAX_MESSAGE_BYTES + 1),
        { blob: 'x'.repeat(MAX_MESSAGE_BYTES) },
        // 65 536 characters, 196 608 bytes: the limit is bytes, not characters.
        '€'.repeat(65_536),
      ]
      for (const data of tooBig) {
        const error = await refused(() => client().postToConnection('R1kmxc2VNjMCFIA=', data))
        expect(error).toBeInstanceOf(PayloadTooLargeError)
        expect((error as PayloadTooLargeError).status).toBe(413)
        expect((error as PayloadTooLargeError).connectionId).toBe('R1kmxc2VNjMCFIA=')
      }
    })

    it('exactly 128 KB goes through, byte for byte', async () => {
      const data = new Uint8Array(MAX_MESSAGE_BYTES).map((_, i) => i % 251)
      await client().postToConnection('R1kmxc2VNjMCFIA=', data)
      const seen = server.requests.at(-1)!
      expect(seen.body.byteLength).toBe(MAX_MESSAGE_BYTES)
      expect(Buffer.compare(seen.body, Buffer.from(data))).toBe(0)
    })

    it('strings go as UTF-8, objects as JSON, other byte views as their bytes', async () => {
      const c = client()
      await c.postToConnection('R1kmxc2VNjMCFIA=', 'héllo')
      expect(server.requests.at(-1)!.body.toString('utf8')).toBe('héllo')
      await c.postToConnection('R1kmxc2VNjMCFIA=', { a: [1, 'b'] })
      expect(server.requests.at(-1)!.body.toString('utf8')).toBe('{"a":[1,"b"]}')
      await c.postToConnection('R1kmxc2VNjMCFIA=', new Uint16Array([0x0201, 0x0403]))
      expect([...server.requests.at(-1)!.body]).toEqual([1, 2, 3, 4])
      await c.postToConnection('R1kmxc2VNjMCFIA=', new Uint8Array([9, 8, 7]).buffer)
      expect([...server.requests.at(-1)!.body]).toEqual([9, 8, 7])
      const window = new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 3)
      await c.postToConnection('R1kmxc2VNjMCFIA=', window)
      expect([...server.requests.at(-1)!.body]).toEqual([1, 2])
      // Bytes too, not an object to JSON-encode as "{}".
      const shared = new SharedArrayBuffer(3)
      new Uint8Array(shared).set([5, 6, 7])
      await c.postToConnection('R1kmxc2VNjMCFIA=', shared)
      expect([...server.requests.at(-1)!.body]).toEqual([5, 6, 7])
    })

    it('refuses what cannot be sent, with a clear message and no request', async () => {
      const circular: Record<string, unknown> = {}
      circular.self = circular
      for (const data of [undefined, null, () => 1, Symbol('x'), circular, { n: 1n }]) {
        const error = await refused(() => client().postToConnection('R1kmxc2VNjMCFIA=', data as object))
        expect(error).toBeInstanceOf(StreamerValidationError)
        expect((error as Error).message).toMatch(/data|JSON/)
      }
    })
  })

  describe('options', () => {
    it('refuses a malformed deadline or signal with no request', async () => {
      for (const options of [{ deadline: Number.NaN }, { deadline: '5' }, { signal: {} }, 'soon']) {
        const error = await refused(() =>
          client().postToConnection('R1kmxc2VNjMCFIA=', 'hi', options as never),
        )
        expect(error).toBeInstanceOf(StreamerValidationError)
      }
    })

    it('refuses a bad broadcast concurrency or source with no request', async () => {
      for (const concurrency of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '8']) {
        const error = await refused(() =>
          client().broadcast(['R1kmxc2VNjMCFIA='], 'hi', { concurrency: concurrency as number }),
        )
        expect(error).toBeInstanceOf(StreamerValidationError)
        expect((error as Error).message).toMatch(/concurrency/)
      }
      for (const source of [null, undefined, 42, { length: 1 }]) {
        const error = await refused(() => client().broadcast(source as never, 'hi'))
        expect(error).toBeInstanceOf(StreamerValidationError)
      }
    })

    it('an oversized broadcast fails as a whole, before any request', async () => {
      const error = await refused(() => client().broadcast(['a=', 'b='], 'x'.repeat(MAX_MESSAGE_BYTES + 1)))
      expect(error).toBeInstanceOf(PayloadTooLargeError)
    })
  })
})
