import http from 'node:http'
import type { LookupFunction } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ForbiddenError, GoneError, StreamerError, StreamerValidationError } from '../../src/index.js'
import { aws, type Loopback, type Reply, startLoopback, useDummyCredentials } from './aws-loopback.js'
import { clientFactory, TRANSPORTS } from './transports.js'

describe.each(TRANSPORTS)('over the $name transport', (transport) => {
  const createStreamerClient = clientFactory(transport)

  // What goes on the wire and what comes back: SigV4 for execute-api, the id encoded in
  // the path, the region the signature is scoped to, and the GetConnection shape.

  const ID = 'R1kmxc2VNjMCFIA='
  let server: Loopback
  let reply: Reply | undefined

  beforeAll(async () => {
    useDummyCredentials()
    server = await startLoopback((req) => reply ?? (req.method === 'DELETE' ? aws.noContent() : aws.ok()))
  })
  afterAll(() => server.close())
  const originalRegion = process.env.AWS_REGION
  afterEach(() => {
    reply = undefined
    delete process.env.SOCKETEER_MANAGEMENT_ENDPOINT
    if (originalRegion === undefined) delete process.env.AWS_REGION
    else process.env.AWS_REGION = originalRegion
  })

  const scope = (authorization: string | undefined) =>
    /^AWS4-HMAC-SHA256 Credential=AKIDSOCKETEERTEST\/\d{8}\/([a-z0-9-]+)\/([a-z-]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
      authorization ?? '',
    )

  describe('the request', () => {
    it('is POST /{stage}/@connections/{id} with the id URL-encoded (= → %3D) and the raw bytes', async () => {
      await createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' }).postToConnection(
        ID,
        'hello',
      )
      const seen = server.requests.at(-1)!
      expect(seen.method).toBe('POST')
      expect(seen.path).toBe('/prod/@connections/R1kmxc2VNjMCFIA%3D')
      expect(seen.body.toString()).toBe('hello')
    })

    it('is signed with SigV4 for service execute-api, host included', async () => {
      await createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' }).postToConnection(
        ID,
        'hello',
      )
      const m = scope(server.requests.at(-1)!.headers.authorization)
      expect(m).not.toBeNull()
      expect(m![1]).toBe('eu-west-1')
      expect(m![2]).toBe('execute-api')
      expect(m![3]!.split(';')).toContain('host')
      expect(server.requests.at(-1)!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/)
    })

    it('a signature made with the wrong secret is refused by the server (the check is real)', async () => {
      const error = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDSOCKETEERTEST', secretAccessKey: 'not-the-secret' },
      })
        .postToConnection(ID, 'hello')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ForbiddenError)
      expect((error as ForbiddenError).code).toBe('ForbiddenException')
      expect((error as Error).message).toMatch(/signature we calculated does not match/)
    })

    it('GET and DELETE use the same path', async () => {
      const c = createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' })
      reply = aws.connection({
        connectedAt: '2024-01-20T11:54:57.419Z',
        lastActiveAt: '2024-01-20T11:55:00Z',
        sourceIp: '1.2.3.4',
      })
      await c.getConnection(ID)
      expect(server.requests.at(-1)).toMatchObject({
        method: 'GET',
        path: '/prod/@connections/R1kmxc2VNjMCFIA%3D',
      })
      reply = aws.noContent()
      await c.deleteConnection(ID)
      expect(server.requests.at(-1)).toMatchObject({
        method: 'DELETE',
        path: '/prod/@connections/R1kmxc2VNjMCFIA%3D',
      })
    })
  })

  describe('getConnection', () => {
    it('returns { connectionId, connectedAt: Date, lastActiveAt: Date, sourceIp, userAgent }', async () => {
      reply = aws.connection({
        connectedAt: '2024-01-20T11:54:57.419Z',
        lastActiveAt: '2024-01-20T11:55:00.453Z',
        sourceIp: '49.105.91.154',
        userAgent: 'Mozilla/5.0',
      })
      const info = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
      }).getConnection(ID)
      expect(info).toEqual({
        connectionId: ID,
        connectedAt: new Date('2024-01-20T11:54:57.419Z'),
        lastActiveAt: new Date('2024-01-20T11:55:00.453Z'),
        sourceIp: '49.105.91.154',
        userAgent: 'Mozilla/5.0',
      })
      expect(info.connectedAt).toBeInstanceOf(Date)
    })

    it('has no userAgent key when the client sent none', async () => {
      reply = aws.connection({
        connectedAt: '2024-01-20T11:54:57Z',
        lastActiveAt: '2024-01-20T11:55:00Z',
        sourceIp: '1.2.3.4',
      })
      const info = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
      }).getConnection(ID)
      expect('userAgent' in info).toBe(false)
    })

    it("refuses an emulator's body the SDK cannot read instead of inventing dates", async () => {
      // ministack answers PascalCase, which the SDK parses to {}.
      reply = {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"ConnectedAt":"2024-01-20T11:54:57Z"}',
      }
      const error = await createStreamerClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        retry: { maxAttempts: 3 },
      })
        .getConnection(ID)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StreamerError)
      expect((error as StreamerError).code).toBe('MalformedResponse')
      expect((error as StreamerError).retryable).toBe(false)
    })
  })

  describe('deleteConnection', () => {
    it('treats Gone (typed or bare) as done, but not Forbidden', async () => {
      const c = createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' })
      reply = aws.gone()
      await expect(c.deleteConnection(ID)).resolves.toBeUndefined()
      reply = aws.bare(410)
      await expect(c.deleteConnection(ID)).resolves.toBeUndefined()
      reply = aws.forbidden()
      await expect(c.deleteConnection(ID)).rejects.toBeInstanceOf(ForbiddenError)
    })

    it('postToConnection does not treat Gone as done', async () => {
      reply = aws.gone()
      await expect(
        createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' }).postToConnection(ID, 'x'),
      ).rejects.toBeInstanceOf(GoneError)
    })
  })

  describe('region', () => {
    it('comes from the options first', async () => {
      process.env.AWS_REGION = 'ap-south-1'
      await createStreamerClient({ endpoint: server.endpoint, region: 'sa-east-1' }).postToConnection(ID, 'x')
      expect(scope(server.requests.at(-1)!.headers.authorization)![1]).toBe('sa-east-1')
    })

    it('else from AWS_REGION when the host names none', async () => {
      process.env.AWS_REGION = 'ap-south-1'
      const c = createStreamerClient({ endpoint: server.endpoint })
      await c.postToConnection(ID, 'x')
      expect(scope(server.requests.at(-1)!.headers.authorization)![1]).toBe('ap-south-1')
    })

    it('else from the execute-api host, which beats AWS_REGION', async () => {
      process.env.AWS_REGION = 'ap-south-1'
      // The host says eu-central-1; a DNS lookup override sends the request to loopback.
      const lookup = ((_host: string, options: unknown, cb: (...a: unknown[]) => void) => {
        if ((options as { all?: boolean }).all) cb(null, [{ address: '127.0.0.1', family: 4 }])
        else cb(null, '127.0.0.1', 4)
      }) as unknown as LookupFunction
      const agent = new http.Agent({ keepAlive: true, lookup } as http.AgentOptions)
      const c = createStreamerClient({
        endpoint: `http://abcd1234.execute-api.eu-central-1.amazonaws.com:${server.port}/prod`,
        agent,
      })
      await c.postToConnection(ID, 'x')
      const seen = server.requests.at(-1)!
      expect(seen.headers.host).toBe(`abcd1234.execute-api.eu-central-1.amazonaws.com:${server.port}`)
      expect(scope(seen.headers.authorization)![1]).toBe('eu-central-1')
      agent.destroy()
    })
  })

  describe('endpoint', () => {
    it('SOCKETEER_MANAGEMENT_ENDPOINT is used when no endpoint is given', async () => {
      process.env.SOCKETEER_MANAGEMENT_ENDPOINT = server.endpoint
      const c = createStreamerClient({ region: 'eu-west-1' })
      expect(c.endpoint).toBe(server.endpoint)
      const before = server.requests.length
      await c.postToConnection(ID, 'x')
      expect(server.requests.length).toBe(before + 1)
    })

    it('an explicit endpoint wins over SOCKETEER_MANAGEMENT_ENDPOINT', () => {
      process.env.SOCKETEER_MANAGEMENT_ENDPOINT = 'http://127.0.0.1:1/local'
      expect(createStreamerClient({ endpoint: server.endpoint }).endpoint).toBe(server.endpoint)
    })

    it('no endpoint at all is a clear error', () => {
      expect(() => createStreamerClient()).toThrow(StreamerValidationError)
      expect(() => createStreamerClient()).toThrow(/SOCKETEER_MANAGEMENT_ENDPOINT/)
    })

    it('ws:// and wss:// are turned into http(s)://, trailing slashes trimmed', async () => {
      const c = createStreamerClient({ endpoint: `ws://127.0.0.1:${server.port}/prod/`, region: 'eu-west-1' })
      expect(c.endpoint).toBe(server.endpoint)
      await c.postToConnection(ID, 'x')
      expect(server.requests.at(-1)!.path).toBe('/prod/@connections/R1kmxc2VNjMCFIA%3D')
      expect(
        createStreamerClient({ endpoint: 'wss://abcd1234.execute-api.eu-west-1.amazonaws.com/prod' })
          .endpoint,
      ).toBe('https://abcd1234.execute-api.eu-west-1.amazonaws.com/prod')
    })

    it('an execute-api endpoint without the stage is refused up front (AWS would answer 403 to everything)', () => {
      for (const endpoint of [
        'https://abcd1234.execute-api.eu-west-1.amazonaws.com',
        'wss://abcd1234.execute-api.eu-west-1.amazonaws.com/',
      ]) {
        expect(() => createStreamerClient({ endpoint })).toThrow(/no stage/)
      }
    })

    it('a custom domain with a root mapping needs no path', () => {
      expect(createStreamerClient({ endpoint: 'https://ws.example.com', region: 'eu-west-1' }).endpoint).toBe(
        'https://ws.example.com',
      )
    })

    it('a wrong stage gets the 403 AWS gives, with the hint', async () => {
      const error = await createStreamerClient({
        endpoint: `http://127.0.0.1:${server.port}/wrong`,
        region: 'eu-west-1',
      })
        .postToConnection(ID, 'x')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ForbiddenError)
      expect((error as Error).message).toMatch(/stage included/)
    })

    it('refuses endpoints that already contain /@connections, or are not URLs', () => {
      expect(() => createStreamerClient({ endpoint: `${server.endpoint}/@connections` })).toThrow(
        /@connections/,
      )
      expect(() => createStreamerClient({ endpoint: 'http://exa mple.com/prod' })).toThrow(
        StreamerValidationError,
      )
      expect(() => createStreamerClient({ endpoint: '' })).toThrow(StreamerValidationError)
      expect(() => createStreamerClient({ endpoint: 'https://ws.example.com', region: 'eu west' })).toThrow(
        /region/,
      )
    })
  })
})
