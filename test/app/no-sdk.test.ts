import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// README claim: importing socketeer does not load the AWS SDK (it is loaded on the
// first send). Checked in a fresh Node process on the current source, bundled the way
// tsup ships it (dependencies left as imports), for both the ESM and the CJS build.

const root = fileURLToPath(new URL('../..', import.meta.url))
// Under node_modules so the bundle resolves @aws-sdk/* exactly as the package would.
const work = join(root, 'node_modules', '.cache', `socketeer-no-sdk-${process.pid}`)

// A resolve hook (run in Node's hooks thread) that appends every resolved URL to a file.
const hooks = `import { appendFileSync } from 'node:fs'
let out
export function initialize(data) { out = data.out }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(out, result.url + '\\n')
  return result
}`

function esmModulesLoaded(specifier: string): string[] {
  const out = join(work, `resolved-${Math.random().toString(36).slice(2)}.txt`)
  writeFileSync(out, '')
  const code = `import { register } from 'node:module'
register(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)}, { data: { out: ${JSON.stringify(out)} } })
await import(${JSON.stringify(specifier)})`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: work, encoding: 'utf8' })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return readFileSync(out, 'utf8').split('\n').filter(Boolean)
}

function cjsModulesLoaded(file: string): string[] {
  const code = `require(${JSON.stringify(file)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`
  const r = spawnSync(process.execPath, ['-e', code], { cwd: work, encoding: 'utf8' })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return JSON.parse(r.stdout) as string[]
}

const isSdk = (m: string) => m.includes('@aws-sdk') || m.includes('@smithy')

beforeAll(async () => {
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, 'hooks.mjs'), hooks)
  for (const format of ['esm', 'cjs'] as const) {
    await build({
      entryPoints: [join(root, 'src/index.ts')],
      outfile: join(work, format === 'esm' ? 'index.mjs' : 'index.cjs'),
      bundle: true,
      packages: 'external',
      platform: 'node',
      format,
      target: 'node20',
      logLevel: 'silent',
    })
  }
})

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('importing socketeer does not load the AWS SDK', () => {
  it('ESM: no @aws-sdk or @smithy module is resolved', () => {
    const loaded = esmModulesLoaded(pathToFileURL(join(work, 'index.mjs')).href)
    expect(loaded.some((m) => m.endsWith('/index.mjs'))).toBe(true)
    expect(loaded.filter(isSdk)).toStrictEqual([])
  })

  it('ESM: nor the dependencies of the optional faces, nor builtins that cost milliseconds to load', () => {
    const loaded = esmModulesLoaded(pathToFileURL(join(work, 'index.mjs')).href)
    const heavy =
      /\/node_modules\/(ws|tsx|aws-cdk-lib|constructs)\/|^node:(http|https|http2|net|tls|crypto|zlib)$/
    expect(loaded.filter((m) => heavy.test(m))).toStrictEqual([])
  })

  it('CJS: no @aws-sdk or @smithy module is in require.cache', () => {
    const loaded = cjsModulesLoaded(join(work, 'index.cjs'))
    expect(loaded.some((m) => m.endsWith('index.cjs'))).toBe(true)
    expect(loaded.filter(isSdk)).toStrictEqual([])
  })

  it('the probes do see the SDK when it is imported (so the checks above can fail)', () => {
    expect(esmModulesLoaded('@aws-sdk/client-apigatewaymanagementapi').filter(isSdk).length).toBeGreaterThan(
      0,
    )
    const cjs = spawnSync(
      process.execPath,
      [
        '-e',
        `require('@aws-sdk/client-apigatewaymanagementapi'); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`,
      ],
      { cwd: work, encoding: 'utf8' },
    )
    expect((JSON.parse(cjs.stdout) as string[]).filter(isSdk).length).toBeGreaterThan(0)
  })
})
