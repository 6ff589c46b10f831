import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aws, type Loopback, startLoopback } from '../aws-loopback.js'

// A user bundles an App with esbuild to ESM (format esm, platform node, minified, the SDK
// external: what CDK's NodejsFunction does with `format: ESM`) and deploys it. The SigV4
// signer (aws4) is CommonJS and require()s node:crypto; socketeer's build carries it with
// those requires turned into process.getBuiltinModule calls, so the bundle signs and sends
// with no createRequire banner. Checked end to end: the bundle runs in its own process and
// posts to the loopback @connections server, which re-verifies the signature with the
// AWS SDK's signer and answers 403 to a wrong one.

const root = fileURLToPath(new URL('../../..', import.meta.url))
const dist = join(root, 'dist/index.js')
const built = existsSync(dist)
if (!built)
  console.warn('SKIPPED: ESM bundle of the built package: no dist/ (run `npm run build`; `npm test` does)')
// Inside the repository, so nothing outside it is resolved.
const work = mkdtempSync(join(root, '.bench-tmp-esm-'))
writeFileSync(join(work, 'package.json'), '{"type":"module"}')
let server: Loopback
beforeAll(async () => {
  server = await startLoopback((req) => (req.method === 'POST' ? aws.ok() : aws.noContent()))
})
afterAll(async () => {
  await server?.close()
  rmSync(work, { recursive: true, force: true })
})

const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"

// An App's $default route echoes the message back through @connections, as a handler in
// Lambda would; the child prints the handler's result, or the error it threw.
const app = (from: string, format: 'esm' | 'cjs') => `${
  format === 'esm'
    ? `import { App } from ${JSON.stringify(from)}`
    : `const { App } = require(${JSON.stringify(from)})`
}
const app = new App({ logLevel: 'silent' })
app.webSocket('$default', async (ctx) => { const ws = ctx.asWebSocket(); await ws.send('echo:' + ws.text()) })
const event = {
  requestContext: {
    routeKey: '$default', eventType: 'MESSAGE', messageId: 'm1', messageDirection: 'IN', stage: 'prod',
    connectionId: 'R1kmxc2VNjMCFIA=', requestId: 'r1', extendedRequestId: 'r1', apiId: 'abc123',
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com', connectedAt: 1, requestTimeEpoch: 2,
    requestTime: '20/Jan/2024:11:55:00 +0000', identity: { sourceIp: '127.0.0.1' },
  },
  body: 'hi', isBase64Encoded: false,
}
app.handler(event, { awsRequestId: 'a', getRemainingTimeInMillis: () => 3000 }).then(
  (result) => console.log(JSON.stringify({ result })),
  (e) => console.log(JSON.stringify({ error: { name: e.name, code: e.code, message: e.message } })),
)`

interface Bundle {
  format?: 'esm' | 'cjs'
  banner?: string
}

/** Bundles the App with esbuild as a Lambda user would (or, with `bundle: false`, runs it as is). */
async function bundleAndRun(
  name: string,
  from: string,
  { format = 'esm', banner }: Bundle = {},
  bundle = true,
): Promise<Record<string, any>> {
  const out = join(work, `${name}.${format === 'esm' ? 'mjs' : 'cjs'}`)
  if (bundle) {
    await build({
      stdin: { contents: app(from, format), resolveDir: root, loader: 'js' },
      bundle: true,
      minify: true,
      platform: 'node',
      format,
      target: 'node20',
      external: ['@aws-sdk/*'],
      banner: banner === undefined ? {} : { js: banner },
      outfile: out,
      logLevel: 'silent',
    })
  } else writeFileSync(out, app(from, format))
  // Asynchronous: the loopback server answers from this process.
  const child = spawn(process.execPath, [out], {
    env: {
      PATH: process.env.PATH,
      AWS_ACCESS_KEY_ID: 'AKIDSOCKETEERTEST',
      AWS_SECRET_ACCESS_KEY: 'socketeer-test-secret',
      AWS_REGION: 'eu-west-1',
      SOCKETEER_MANAGEMENT_ENDPOINT: server.endpoint,
    },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise((resolve) => child.once('exit', resolve))
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
  return JSON.parse(stdout.trim().split('\n').at(-1)!)
}

/** What the loopback server received since `before`: one signed echo, or nothing. */
const received = (before: number) => server.requests.slice(before).map((q) => q.body.toString())

describe.skipIf(!built)('an App bundled by esbuild, from the built package', () => {
  it('without any banner: the echo is signed, accepted by the loopback @connections server and delivered', async () => {
    const before = server.requests.length
    const r = await bundleAndRun('no-banner', dist)
    expect(r).toEqual({ result: { statusCode: 200 } })
    const seen = server.requests.slice(before)
    expect(seen.map((q) => [q.method, q.connectionId, q.body.toString()])).toEqual([
      ['POST', 'R1kmxc2VNjMCFIA=', 'echo:hi'],
    ])
    // The loopback answers 403 to a missing or wrong signature; this one was checked.
    expect(String(seen[0]!.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDSOCKETEERTEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
    )
    // aws4's MIT notice survives the user's minified bundle (a legal comment).
    expect(readFileSync(join(work, 'no-banner.mjs'), 'utf8')).toMatch(
      /aws4 \d+\.\d+\.\d+ \| MIT License \| Copyright 2013 Michael Hart/,
    )
  })

  it('with the createRequire banner users were told to add: still sends', async () => {
    const before = server.requests.length
    const r = await bundleAndRun('banner', dist, { banner: BANNER })
    expect(r).toEqual({ result: { statusCode: 200 } })
    expect(received(before)).toEqual(['echo:hi'])
  })

  it('the CommonJS builds still send: bundled as CommonJS (CDK’s default), and dist/index.cjs required as is', async () => {
    let before = server.requests.length
    expect(await bundleAndRun('cjs', dist, { format: 'cjs' })).toEqual({ result: { statusCode: 200 } })
    expect(received(before)).toEqual(['echo:hi'])
    before = server.requests.length
    const r = await bundleAndRun('cjs-unbundled', join(root, 'dist/index.cjs'), { format: 'cjs' }, false)
    expect(r).toEqual({ result: { statusCode: 200 } })
    expect(received(before)).toEqual(['echo:hi'])
  })

  it('dist/index.js imported as is (no bundler) sends', async () => {
    const before = server.requests.length
    expect(await bundleAndRun('esm-unbundled', dist, {}, false)).toEqual({ result: { statusCode: 200 } })
    expect(received(before)).toEqual(['echo:hi'])
  })

  it('on a Node.js without process.getBuiltinModule (before 20.16): the send fails saying which Node it needs', async () => {
    const before = server.requests.length
    const r = await bundleAndRun('old-node', dist, { banner: 'delete process.getBuiltinModule;' })
    // A local failure, not a network one (so not retried), saying what to do; nothing sent.
    expect(r.error).toMatchObject({ name: 'StreamerError', code: 'TypeError' })
    expect(r.error.message).toMatch(
      /^@connections call not made: socketeer signs @connections requests with Node\.js >= 20\.16 \(process\.getBuiltinModule\); this is v\d+/,
    )
    expect(server.requests.length).toBe(before)
  })
})

describe('bundled from the sources (aws4 left as CommonJS), without the banner', () => {
  it('the first send fails with a typed, non-retryable error naming the fix', async () => {
    const before = server.requests.length
    const r = await bundleAndRun('from-src', join(root, 'src/index.ts'))
    // The App turns a failed send into the function's error, as Lambda would see it.
    expect(r.error).toMatchObject({ name: 'StreamerError', code: 'ERR_MODULE_NOT_FOUND' })
    expect(r.error.message).toMatch(/createRequire/)
    expect(server.requests.length).toBe(before)
  })
})
