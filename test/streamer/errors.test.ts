import { type AddressInfo, createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ForbiddenError,
  GoneError,
  PayloadTooLargeError,
  StreamerError,
  StreamerServiceError,
  ThrottledError,
} from '../../src/index.js'
import { errorResponse } from '../../src/management/wire.js'
import { StreamerNetworkError } from '../../src/streamer/errors.js'
import { parseRetryAfter } from '../../src/streamer/transport/classify.js'
import { aws, type Loopback, type Reply, startLoopback, useDummyCredentials } from './aws-loopback.js'
import { clientFactory, TRANSPORTS } from './transports.js'

describe.each(TRANSPORTS)('over the $name transport', (transport) => {
  const createStreamerClient = clientFactory(transport)

  // Each typed error, produced by the REAL AWS SDK v3 client reading the answer of a
  // loopback server, with and without x-amzn-ErrorType.

  const ID = 'R1kmxc2VNjMCFIA='
  let server: Loopback
  let reply: Reply

  beforeAll(async () => {
    useDummyCredentials()
    server = await startLoopback(() => reply)
  })
  afterAll(() => server.close())

  const client = () => createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1', retry: false })

  async function failure(run: () => Promise<unknown>): Promise<StreamerError> {
    const before = server.requests.length
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(server.requests.length - before).toBe(1)
    expect(error).toBeInstanceOf(StreamerError)
    return error as StreamerError
  }

  const cases: Array<{
    name: string
    typed: Reply
    bare: Reply
    ctor: new (...args: any[]) => StreamerError
    status: number
    code: string
    retryable: boolean
  }> = [
    {
      name: 'Gone',
      typed: aws.gone(),
      bare: aws.bare(410),
      ctor: GoneError,
      status: 410,
      code: 'GoneException',
      retryable: false,
    },
    {
      name: 'Forbidden',
      typed: aws.forbidden(),
      bare: aws.bare(403),
      ctor: ForbiddenError,
      status: 403,
      code: 'ForbiddenException',
      retryable: false,
    },
    {
      name: 'PayloadTooLarge',
      typed: aws.tooLarge(),
      bare: aws.bare(413),
      ctor: PayloadTooLargeError,
      status: 413,
      code: 'PayloadTooLargeException',
      retryable: false,
    },
    {
      name: 'Throttled',
      typed: aws.throttled(),
      bare: aws.bare(429),
      ctor: ThrottledError,
      status: 429,
      code: 'LimitExceededException',
      retryable: true,
    },
    {
      name: 'ServiceError',
      typed: aws.internal(),
      bare: aws.bare(500),
      ctor: StreamerServiceError,
      status: 500,
      code: 'InternalServerErrorException',
      retryable: true,
    },
  ]

  describe('typed errors', () => {
    for (const c of cases) {
      it(`${c.name}: recognised by exception name (x-amzn-ErrorType)`, async () => {
        reply = c.typed
        const error = await failure(() => client().postToConnection(ID, 'hi'))
        expect(error).toBeInstanceOf(c.ctor)
        expect(error.status).toBe(c.status)
        expect(error.code).toBe(c.code)
        expect(error.retryable).toBe(c.retryable)
        expect(error.connectionId).toBe(ID)
        expect(error.requestId).toBe(c.typed.headers?.['x-amzn-RequestId'])
        // The SDK transport keeps the SDK's own exception for debugging; the SigV4 one has none.
        if (transport.name === 'sdk')
          expect((error.cause as Error).name).toBe(c.typed.headers?.['x-amzn-ErrorType'])
      })

      it(`${c.name}: recognised by bare HTTP status (emulator without the header)`, async () => {
        reply = c.bare
        const error = await failure(() => client().postToConnection(ID, 'hi'))
        expect(error).toBeInstanceOf(c.ctor)
        expect(error.status).toBe(c.status)
        expect(error.retryable).toBe(c.retryable)
        // The SDK says `Unknown`/`UnknownError` here; neither leaks into the typed error.
        expect(error.message).not.toMatch(/Unknown/)
        if (c.status < 500) expect(error.code).toBe(c.code)
      })
    }

    it('keeps the service message when there is one', async () => {
      reply = aws.tooLarge()
      const error = await failure(() => client().postToConnection(ID, 'hi'))
      expect(error.message).toBe('Request entity too large')
    })

    it('a 403 explains the endpoint pitfalls (https, stage) in its message', async () => {
      reply = aws.forbidden()
      const error = await failure(() => client().postToConnection(ID, 'hi'))
      expect(error).toBeInstanceOf(ForbiddenError)
      expect(error.message).toMatch(/^Forbidden/)
      expect(error.message).toContain(server.endpoint)
      expect(error.message).toMatch(/stage/)
      expect(error.message).toMatch(/not wss/)
    })

    it('a known exception name wins over the status', async () => {
      reply = aws.error(400, 'LimitExceededException', 'Too many')
      const error = await failure(() => client().postToConnection(ID, 'hi'))
      expect(error).toBeInstanceOf(ThrottledError)
    })

    it('reads the name from an x-amzn-ErrorType with a namespace suffix (as AWS sends it)', async () => {
      reply = aws.error(
        429,
        'LimitExceededException:http://internal.amazon.com/coral/com.amazon.coral.service/',
        'x',
      )
      const error = await failure(() => client().postToConnection(ID, 'hi'))
      expect(error).toBeInstanceOf(ThrottledError)
      expect(error.code).toBe('LimitExceededException')
    })

    it('a bare unexpected status keeps it, as a non-retryable StreamerError', async () => {
      reply = aws.bare(404)
      const error = await failure(() => client().postToConnection(ID, 'hi'))
      expect(error.constructor).toBe(StreamerError)
      expect(error.status).toBe(404)
      expect(error.code).toBe('Http404')
      expect(error.retryable).toBe(false)
    })

    it('an HTML 502 from a proxy is a retryable service error, not a SyntaxError', async () => {
      reply = { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' }
      const error = await failure(() => client().postToConnection(ID, 'hi'))
      expect(error).toBeInstanceOf(StreamerServiceError)
      expect(error.status).toBe(502)
      expect(error.code).toBe('BadGateway')
      expect(error.retryable).toBe(true)
    })

    it('an unmodelled 4xx is a plain, non-retryable StreamerError with the service code', async () => {
      reply = aws.error(400, 'BadRequestException', 'Invalid connectionId: nope')
      const error = await failure(() => client().postToConnection(ID, 'hi'))
      expect(error.constructor).toBe(StreamerError)
      expect(error.status).toBe(400)
      expect(error.code).toBe('BadRequestException')
      expect(error.retryable).toBe(false)
      expect(error.message).toBe('Invalid connectionId: nope')
    })

    it('Retry-After on a 429 becomes retryAfterMs', async () => {
      reply = aws.throttled({ 'Retry-After': '2' })
      const error = (await failure(() => client().postToConnection(ID, 'hi'))) as ThrottledError
      expect(error).toBeInstanceOf(ThrottledError)
      expect(error.retryAfterMs).toBe(2000)
    })

    it('getConnection and deleteConnection map errors the same way', async () => {
      reply = aws.bare(403)
      expect(await failure(() => client().getConnection(ID))).toBeInstanceOf(ForbiddenError)
      expect(await failure(() => client().deleteConnection(ID))).toBeInstanceOf(ForbiddenError)
      reply = aws.bare(410)
      expect(await failure(() => client().getConnection(ID))).toBeInstanceOf(GoneError)
    })

    it('a refused connection is a retryable StreamerNetworkError (status 0)', async () => {
      const dead = await startLoopback()
      const endpoint = dead.endpoint
      await dead.close()
      const error = await createStreamerClient({ endpoint, region: 'eu-west-1', retry: false })
        .postToConnection(ID, 'hi')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerNetworkError)
      expect(error).toBeInstanceOf(StreamerServiceError)
      expect((error as StreamerError).status).toBe(0)
      expect((error as StreamerError).code).toBe('ECONNREFUSED')
      expect((error as StreamerError).retryable).toBe(true)
    })
  })

  describe('failures before any answer that are not the network', () => {
    it('a credentials failure is not retried and is not called a network error', async () => {
      let asked = 0
      const before = server.requests.length
      const error = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
        credentials: async () => {
          asked++
          throw Object.assign(new Error('Could not load credentials from any providers'), {
            name: 'CredentialsProviderError',
          })
        },
      })
        .postToConnection(ID, 'hi')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerError)
      expect(error).not.toBeInstanceOf(StreamerNetworkError)
      expect(error).toMatchObject({ status: 0, code: 'CredentialsProviderError', retryable: false })
      expect((error as Error).message).toContain('Could not load credentials')
      expect(asked).toBe(1)
      expect(server.requests.length).toBe(before)
    })

    it('an x-amzn-ErrorType naming an Object.prototype member keeps the numeric status', async () => {
      for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        reply = aws.error(400, name, 'odd')
        const error = await failure(() => client().postToConnection(ID, 'hi'))
        expect(error.constructor).toBe(StreamerError)
        expect(error.status).toBe(400)
        expect(error.code).toBe(name)
        expect(error.retryable).toBe(false)
      }
    })
  })

  describe('answers the SDK could not read whole (a raw TCP server)', () => {
    // Each connection gets `answer`, written raw, then a reset.
    async function rawServer(answer: string) {
      let requests = 0
      const server = createServer((socket) => {
        socket.on('error', () => {})
        socket.once('data', () => {
          requests++
          socket.write(answer)
          setTimeout(() => socket.resetAndDestroy(), 10)
        })
      })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`
      const client = createStreamerClient({
        endpoint,
        region: 'eu-west-1',
        retry: { baseDelayMs: 1, maxDelayMs: 1 },
      })
      return { client, requests: () => requests, close: () => new Promise((r) => server.close(r)) }
    }
    const cut200 =
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"connectedAt":'

    it('a 200 whose body is cut off: the post was delivered, so it resolves, once', async () => {
      const s = await rawServer(cut200)
      await s.client.postToConnection(ID, 'hi')
      expect(s.requests()).toBe(1)
      await s.client.deleteConnection(ID)
      expect(s.requests()).toBe(2)
      await s.close()
    })

    it('a 200 whose body is cut off: a get is a retryable network error, retried', async () => {
      const s = await rawServer(cut200)
      const error = await s.client.getConnection(ID).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerNetworkError)
      expect(error).toMatchObject({ retryable: true, code: 'ECONNRESET' })
      expect(s.requests()).toBe(3)
      await s.close()
    })

    it('an answer that is not HTTP (a broken middlebox) is a retryable network error', async () => {
      const s = await rawServer('garbage\r\n\r\n')
      const error = await s.client.postToConnection(ID, 'hi').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerNetworkError)
      expect((error as StreamerError).code).toMatch(/^HPE_/)
      expect(s.requests()).toBe(3)
      await s.close()
    })
  })

  describe("the local gateway's wire format (src/management/wire.ts) makes the SDK raise the same types", () => {
    for (const error of [
      new GoneError(),
      new ForbiddenError(),
      new PayloadTooLargeError(),
      new ThrottledError(),
      new StreamerServiceError(),
    ]) {
      it(`${error.name} survives the round trip`, async () => {
        const wire = errorResponse(error)
        reply = { status: wire.status, headers: wire.headers, body: wire.body }
        const back = await failure(() => client().postToConnection(ID, 'hi'))
        expect(back.constructor).toBe(error.constructor)
        expect(back.status).toBe(error.status)
        expect(back.requestId).toBe(wire.headers['x-amzn-RequestId'])
      })
    }
  })

  describe('parseRetryAfter', () => {
    it('reads seconds and HTTP dates, ignores nonsense', () => {
      expect(parseRetryAfter('3')).toBe(3000)
      expect(parseRetryAfter('0.5')).toBe(500)
      expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000)
      expect(parseRetryAfter('soon')).toBeUndefined()
      expect(parseRetryAfter(undefined)).toBeUndefined()
    })
  })
})
