import { execFile, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type Gateway, startChat, until } from './harness.js'

// Other-language clients of the gateway's @connections endpoint: boto3 and the AWS
// CLI, which raise their typed exceptions only when the wire format is exactly AWS's.
// Missing tools skip with a visible warning (CI installs them: scripts/ci-deps.sh).

const has = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 })
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : undefined
}
const boto3 = has('python3', ['-c', 'import boto3; print(boto3.__version__)'])
const awsVersion = has('aws', ['--version'])
if (!boto3) console.warn('SKIPPED: boto3 tests: python3 with boto3 not found (apt-get install python3-boto3)')
if (!awsVersion) console.warn('SKIPPED: AWS CLI tests: `aws` not found (apt-get install awscli)')

/** Runs a tool without blocking the event loop: the gateway answering it lives in this process. */
function run(
  cmd: string,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', env: awsEnv, timeout: 30_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({ status, stdout, stderr })
    })
  })
}

const NEVER_CONNECTED = 'AAAAAAAAAAAAAAA='
// Fake credentials and no user config: the gateway does not check signatures, but the tools insist on signing.
const awsEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
}
delete (awsEnv as Record<string, string | undefined>).AWS_PROFILE

describe.skipIf(!boto3 && !awsVersion)('chat example: @connections from Python (boto3, AWS CLI)', () => {
  let gw: Gateway
  let alice: Client
  let aliceId: string
  let openedAt: number

  beforeAll(async () => {
    ;({ gw } = await startChat())
    openedAt = Date.now()
    alice = await Client.open(`${gw.url}?name=alice`, { headers: { 'User-Agent': 'py-e2e/1.0' } })
    alice.send({ action: 'whoami' })
    aliceId = (await alice.nextOf('whoami')).connectionId
  })
  afterAll(async () => {
    await alice?.close()
    await gw?.close()
  })

  it.skipIf(!boto3)(
    'boto3: posts, reads Dates, and raises typed Gone/PayloadTooLarge/Forbidden',
    async () => {
      const script = fileURLToPath(new URL('./boto3_client.py', import.meta.url))
      const wrongStage = gw.managementEndpoint.replace(/\/[^/]+$/, '/wrongstage')
      const r = await run('python3', [script, gw.managementEndpoint, aliceId, NEVER_CONNECTED, wrongStage])
      expect(r.status, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out).toMatchObject({
        connectedAtType: 'datetime',
        lastActiveAtType: 'datetime',
        identity: { SourceIp: '127.0.0.1', UserAgent: 'py-e2e/1.0' },
        goneOnPost: 'GoneException',
        goneOnGet: 'GoneException',
        tooLarge: 'PayloadTooLargeException',
        wrongStage: 'ForbiddenException',
      })
      expect(out.connectedAt * 1000).toBeGreaterThanOrEqual(openedAt - 1_000)
      expect(out.connectedAt * 1000).toBeLessThanOrEqual(Date.now())
      await alice.next((f) => f.text === 'hello from boto3 ✓', 5_000, 'the boto3 post')
    },
  )

  describe.skipIf(!awsVersion)('AWS CLI', () => {
    // CLI v2 reads blobs as base64 unless told otherwise; v1 takes the text as is.
    const rawBlob = awsVersion?.startsWith('aws-cli/1') ? [] : ['--cli-binary-format', 'raw-in-base64-out']
    const aws = (...args: string[]) =>
      run('aws', ['apigatewaymanagementapi', ...args, '--endpoint-url', gw.managementEndpoint])

    it('post-to-connection delivers the data to the socket', async () => {
      const r = await aws(
        'post-to-connection',
        '--connection-id',
        aliceId,
        '--data',
        'hello from the CLI',
        ...rawBlob,
      )
      expect(r.status, r.stderr).toBe(0)
      await alice.next((f) => f.text === 'hello from the CLI', 5_000, 'the CLI post')
    })

    it('get-connection prints the connection facts', async () => {
      const r = await aws('get-connection', '--connection-id', aliceId, '--output', 'json')
      expect(r.status, r.stderr).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'py-e2e/1.0' })
      expect(Number.isNaN(Date.parse(out.ConnectedAt))).toBe(false)
    })

    it('reports GoneException by name for an unknown connection', async () => {
      const r = await aws('post-to-connection', '--connection-id', NEVER_CONNECTED, '--data', 'x', ...rawBlob)
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain(
        'An error occurred (GoneException) when calling the PostToConnection operation',
      )
    })

    it('delete-connection closes the socket with 1000', async () => {
      const r = await aws('delete-connection', '--connection-id', aliceId)
      expect(r.status, r.stderr).toBe(0)
      expect((await alice.closed).code).toBe(1000)
      await until(() => !gw.connections().includes(aliceId), 5_000, 'alice removed')
    })
  })
})
