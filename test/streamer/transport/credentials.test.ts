import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createStreamerClient, StreamerValidationError } from '../../../src/index.js'
import { refreshing } from '../../../src/streamer/transport/credentials.js'
import { type Loopback, startLoopback } from '../aws-loopback.js'

// Where the SigV4 transport's credentials come from. Every request here goes to the
// loopback, which recomputes its signature from the key id's secret: a request signed
// with the wrong credentials is refused, so a passing send proves which ones were used.

const ID = 'R1kmxc2VNjMCFIA='
const saved = { ...process.env }
let server: Loopback
let dir: string

beforeAll(async () => {
  server = await startLoopback()
  dir = mkdtempSync(join(tmpdir(), 'socketeer-creds-'))
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
  Object.assign(process.env, saved)
})

function clearAwsEnv() {
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k]
}

const keyOf = () => /Credential=([^/]+)\//.exec(String(server.requests.at(-1)?.headers.authorization))?.[1]

describe('SigV4 transport credentials', () => {
  it("Lambda's environment, session token included (sent and signed)", async () => {
    clearAwsEnv()
    process.env.AWS_ACCESS_KEY_ID = 'AKIDSOCKETEERTEST'
    process.env.AWS_SECRET_ACCESS_KEY = 'socketeer-test-secret'
    process.env.AWS_SESSION_TOKEN = 'lambda-session-token'
    await createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' }).postToConnection(ID, 'x')
    const seen = server.requests.at(-1)!
    expect(seen.headers['x-amz-security-token']).toBe('lambda-session-token')
    expect(String(seen.headers.authorization)).toMatch(/SignedHeaders=[^,]*x-amz-security-token/)
  })

  it('a provider the user passes wins over the environment', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDSOCKETEERTEST'
    process.env.AWS_SECRET_ACCESS_KEY = 'socketeer-test-secret'
    await createStreamerClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: async () => ({ accessKeyId: 'AKIDOTHER', secretAccessKey: 'other' }),
    }).postToConnection(ID, 'x')
    expect(keyOf()).toBe('AKIDOTHER')
  })

  it('without the environment, the SDK default chain (here: a shared credentials file)', async () => {
    clearAwsEnv()
    const file = join(dir, 'credentials')
    writeFileSync(file, '[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other\n')
    process.env.AWS_SHARED_CREDENTIALS_FILE = file
    process.env.AWS_CONFIG_FILE = join(dir, 'no-config')
    process.env.AWS_EC2_METADATA_DISABLED = 'true'
    await createStreamerClient({ endpoint: server.endpoint, region: 'eu-west-1' }).postToConnection(ID, 'x')
    expect(keyOf()).toBe('AKIDOTHER')
    expect(server.requests.at(-1)!.headers['x-amz-security-token']).toBeUndefined()
  })

  it('static credentials that are not credentials are refused up front', () => {
    expect(() =>
      createStreamerClient({
        endpoint: server.endpoint,
        credentials: { accessKeyId: '', secretAccessKey: 'x' },
      }),
    ).toThrow(StreamerValidationError)
  })

  it('a provider that gives nothing usable fails the call, typed and not retried', async () => {
    let asked = 0
    const error = await createStreamerClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      retry: { baseDelayMs: 1, maxDelayMs: 1 },
      credentials: async () => {
        asked++
        return {} as never
      },
    })
      .postToConnection(ID, 'x')
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 0, code: 'CredentialsProviderError', retryable: false })
    expect(asked).toBe(1)
  })
})

describe('refreshing', () => {
  it('keeps credentials until shortly before they expire, then fetches again; callers share a fetch', async () => {
    let fetched = 0
    const source = refreshing(async () => {
      fetched++
      return { accessKeyId: `AKID${fetched}`, secretAccessKey: 's', expiration: new Date(Date.now() + 1100) }
    }, 1000)
    const [a, b] = await Promise.all([source.get(), source.get()])
    expect(fetched).toBe(1)
    expect(a).toBe(b)
    expect((await source.get()).accessKeyId).toBe('AKID1')
    await new Promise((r) => setTimeout(r, 150))
    // 1 000 ms before expiry: refreshed, though they would still work for a moment.
    expect((await source.get()).accessKeyId).toBe('AKID2')
    expect(fetched).toBe(2)
  })

  it('credentials without an expiration are kept; a failed fetch is retried on the next call', async () => {
    let n = 0
    const source = refreshing(async () => {
      if (++n === 1) throw new Error('no network')
      return { accessKeyId: 'AKID', secretAccessKey: 's' }
    })
    await expect(Promise.resolve(source.get())).rejects.toThrow('no network')
    expect((await source.get()).accessKeyId).toBe('AKID')
    await source.get()
    expect(n).toBe(2)
  })
})
