import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

// The built package as users load it (dist/, by name through the package's
// self-reference). The core entry is one file, so a cold start resolves one module;
// the faces import the core's classes from it rather than carrying copies, so typed
// errors keep their identity across `socketeer` and `socketeer/testkit`.

const root = fileURLToPath(new URL('../..', import.meta.url))
const dist = join(root, 'dist')
const built = existsSync(join(dist, 'testkit/index.js'))
if (!built) console.warn('SKIPPED: package faces test: no dist/ (run `npm run build`; `npm test` does)')

function run(args: string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
  expect(r.stderr).toBe('')
  expect(r.status).toBe(0)
  return r.stdout
}

// A 410 from the testkit's fake, checked against the class the user imports.
const identityCheck = (load: string) => `${load}
const fake = new testkit.FakeStreamer({ endpoint: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod' })
const id = fake.gone()
fake.client().postToConnection(id, 'hi').then(
  () => console.log('no error'),
  (e) => console.log(JSON.stringify({
    gone: e instanceof core.GoneError,
    streamer: e instanceof core.StreamerError,
    name: e.name,
  })),
)`

describe.skipIf(!built)('the built package', () => {
  it('ESM: a typed error from socketeer/testkit is an instance of socketeer’s class', () => {
    const out = run([
      '--input-type=module',
      '-e',
      identityCheck(`import * as core from 'socketeer'; import * as testkit from 'socketeer/testkit'`),
    ])
    expect(JSON.parse(out)).toEqual({ gone: true, streamer: true, name: 'GoneError' })
  })

  it('CJS: the same, through require', () => {
    const out = run([
      '-e',
      identityCheck(`const core = require('socketeer'); const testkit = require('socketeer/testkit')`),
    ])
    expect(JSON.parse(out)).toEqual({ gone: true, streamer: true, name: 'GoneError' })
  })

  it('the dev and cdk faces load through import and require', () => {
    const esm = run([
      '--input-type=module',
      '-e',
      `import * as dev from 'socketeer/dev'; import * as cdk from 'socketeer/cdk'
       console.log(typeof dev.startGateway, typeof cdk.WebSocketApi)`,
    ])
    const cjs = run([
      '-e',
      `const dev = require('socketeer/dev'); const cdk = require('socketeer/cdk')
       console.log(typeof dev.startGateway, typeof cdk.WebSocketApi)`,
    ])
    expect([esm.trim(), cjs.trim()]).toEqual(['function function', 'function function'])
  })

  it('socketeer/client loads through import and require, and its files import no node: module nor the core', () => {
    const esm = run([
      '--input-type=module',
      '-e',
      `import * as client from 'socketeer/client'; console.log(typeof client.createClient, typeof client.ServerError)`,
    ])
    const cjs = run([
      '-e',
      `const client = require('socketeer/client'); console.log(typeof client.createClient)`,
    ])
    expect([esm.trim(), cjs.trim()]).toEqual(['function function', 'function'])
    // What the browser bundle is made of: the face and the chunks it imports.
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(file, 'utf8')
      expect(text, file).not.toMatch(/from ['"](node:|socketeer['"])/)
      for (const m of text.matchAll(/from ['"](\.[^'"]+)['"]/g)) visit(join(file, '..', m[1]!))
    }
    visit(join(dist, 'client/index.js'))
    expect(seen.size).toBeGreaterThan(1)
  })

  it('the core entry is a single file: importing socketeer resolves no other file of the package', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'socketeer-faces-')), 'resolved.txt')
    writeFileSync(log, '')
    const hooks = `import { appendFileSync } from 'node:fs'
let out
export function initialize(data) { out = data.out }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(out, result.url + '\\n')
  return result
}`
    run([
      '--input-type=module',
      '-e',
      `import { register } from 'node:module'
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { out: ${JSON.stringify(log)} } })
await import('socketeer')`,
    ])
    const resolved = readFileSync(log, 'utf8').split('\n').filter(Boolean)
    const ours = resolved.filter((u) => u.startsWith(pathToFileURL(root).href))
    expect(ours).toEqual([pathToFileURL(join(dist, 'index.js')).href])
  })

  it('each public class is defined once, in the core file, never copied into a face', async () => {
    const core: Record<string, unknown> = await import(pathToFileURL(join(dist, 'index.js')).href)
    const classes = Object.entries(core)
      .filter(([, v]) => typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v)))
      .map(([name]) => name)
    expect(classes).toEqual(expect.arrayContaining(['App', 'AppError', 'GoneError', 'MemoryConnectionStore']))
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory() ? files(join(dir, d.name)) : /\.c?js$/.test(d.name) ? [join(dir, d.name)] : [],
      )
    const sources = files(dist).map((f) => ({
      file: f.slice(dist.length + 1),
      text: readFileSync(f, 'utf8'),
    }))
    for (const name of classes) {
      // esbuild writes `class X` or `var X = class`, and renames a clash to X2.
      const defines = new RegExp(`\\bclass ${name}\\d*\\b|\\b${name}\\d* = class\\b`)
      const where = sources.filter((s) => defines.test(s.text)).map((s) => s.file)
      expect({ name, where: where.sort() }).toEqual({ name, where: ['index.cjs', 'index.js'] })
    }
  })
})
