import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'

// The SigV4 signer (aws4) is CommonJS and require()s node:crypto. Bundled by esbuild as
// ESM, that only works with the createRequire banner (as CDK users set it); without it
// the first send must fail with a typed error that says what to do, not as a network
// error that would be retried.

const root = fileURLToPath(new URL('../../..', import.meta.url))
// Inside the repository, so nothing outside it is resolved.
const work = mkdtempSync(join(root, '.bench-tmp-esm-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const entry = `import { createStreamerClient } from ${JSON.stringify(join(root, 'src/index.ts'))}
process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST'
process.env.AWS_SECRET_ACCESS_KEY = 'secret'
const error = await createStreamerClient({ endpoint: 'http://127.0.0.1:1/prod', region: 'eu-west-1', retry: false })
  .postToConnection('R1kmxc2VNjMCFIA=', 'x')
  .catch((e) => e)
console.log(JSON.stringify({ name: error.name, code: error.code, retryable: error.retryable, message: error.message }))`

async function run(banner: boolean) {
  const out = join(work, banner ? 'with-banner.mjs' : 'without-banner.mjs')
  await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*'],
    banner: banner
      ? { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" }
      : {},
    outfile: out,
    logLevel: 'silent',
  })
  writeFileSync(join(work, 'package.json'), '{"type":"module"}')
  const r = spawnSync(process.execPath, [out], { encoding: 'utf8', timeout: 20_000 })
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!)
}

describe('the SigV4 transport in an esbuild ESM bundle', () => {
  it('without the createRequire banner: a typed, non-retryable error naming the fix', async () => {
    const e = await run(false)
    expect(e).toMatchObject({ name: 'StreamerError', code: 'ERR_MODULE_NOT_FOUND', retryable: false })
    expect(e.message).toMatch(/createRequire/)
  })

  it('with the banner: the signer loads and the request is made (nothing listens: ECONNREFUSED)', async () => {
    const e = await run(true)
    expect(e).toMatchObject({ name: 'StreamerNetworkError', code: 'ECONNREFUSED', retryable: true })
  })
})
