import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The package as a new user meets it: packed (npm pack), installed into an empty project
// with --omit=dev, then used as the docs say. One pack and one install shared by every
// case; npm answers from its local cache. Slow (a minute or two), bounded by timeouts.

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = (name: string) => join(root, 'node_modules/.bin', name)
const built = existsSync(join(root, 'dist/index.js')) && existsSync(join(root, 'dist/dynamodb/index.js'))
if (!built) console.warn('SKIPPED: package install test: no dist/ (run `npm run build`; `npm test` does)')

let work = ''
let project = ''
let tarball = ''

function sh(cmd: string, args: string[], cwd: string, timeout = 180_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', NO_COLOR: '1' },
  })
}

function ok(r: SpawnSyncReturns<string>): string {
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

const npm = (args: string[], cwd = project) =>
  ok(sh('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], cwd))

function packages(dir: string): string[] {
  const out: string[] = []
  const walk = (nm: string) => {
    if (!existsSync(nm)) return
    for (const name of readdirSync(nm)) {
      if (name.startsWith('.')) continue
      if (name.startsWith('@')) {
        for (const sub of readdirSync(join(nm, name))) out.push(`${name}/${sub}`)
      } else out.push(name)
    }
  }
  walk(join(dir, 'node_modules'))
  return out
}

const APP = `import { App } from 'socketeer'
export const app = new App()
app.webSocket('$default', async (ctx) => { await ctx.asWebSocket().send('pong') })
app.get('/health', () => ({ ok: true }))
export const handler = app.handler
`

// The consumer's own type packages, installed once for the type-checking cases.
let typesInstalled = false
function installTypes() {
  if (typesInstalled) return
  npm(['install', '-D', '@types/node@20', '@aws-lambda-powertools/logger', '@types/aws-lambda'])
  typesInstalled = true
}

function consumer(dir: string, file: string, source: string, options: Record<string, string>) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, file), source)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        ...options,
        target: 'es2022',
        strict: true,
        noEmit: true,
        // The cdk face's optional peers (aws-cdk-lib) are not installed here.
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(project, 'node_modules/@types')],
      },
      include: ['*.ts', '*.mts'],
    }),
  )
}

/** `<exit status> <compiler output>`, trimmed. */
function typeCheck(dir: string): string {
  const r = sh(bin('tsc'), ['-p', dir], dir, 120_000)
  return `${r.status} ${r.stdout}${r.stderr}`.trim()
}

describe.skipIf(!built)('the packed package in a fresh project', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'socketeer-pack-'))
    const packed = ok(sh('npm', ['pack', '--pack-destination', work, '--json'], root))
    tarball = join(work, JSON.parse(packed)[0].filename)
    project = join(work, 'app')
    mkdirSync(project)
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', private: true }),
    )
    writeFileSync(join(project, 'app.mjs'), APP)
    npm(['install', '--omit=dev', tarball])
  }, 300_000)
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('ships dist, docs and LICENSE, and no sources or tests', () => {
    const files = ok(sh('tar', ['-tzf', tarball], work)).split('\n')
    expect(files).toContain('package/LICENSE')
    expect(files).toContain('package/docs/getting-started.md')
    expect(files).toContain('package/dist/dynamodb/index.js')
    // aws4 is carried inside dist/ (see scripts/inline-aws4-plugin.ts): its licence ships too.
    expect(files).toContain('package/THIRD-PARTY-NOTICES.md')
    // Declarations: one file per module, read as ESM and, beside their package.json, as CommonJS.
    expect(files).toContain('package/dist/types/esm/src/app/app.d.ts')
    expect(files).toContain('package/dist/types/cjs/src/app/app.d.ts')
    expect(files).toContain('package/dist/types/cjs/package.json')
    expect(files.filter((f) => /^package\/(src|test|testkit)\//.test(f))).toEqual([])
  })

  it('a production install carries no dev server, TypeScript loader or DynamoDB SDK', () => {
    const installed = packages(project)
    // Nothing else at all: the SigV4 signer is inside socketeer's own files.
    expect(installed).toEqual(['socketeer'])
  })

  it('socketeer dev names the one install command, then works once it has run', async () => {
    const missing = sh('npx', ['--no-install', 'socketeer', 'dev', 'app.mjs', '--port', '0'], project, 60_000)
    expect(missing.status).toBe(2)
    expect(missing.stderr).toBe(
      'socketeer: socketeer dev needs ws and tsx, not installed here (dev dependencies, kept out of production installs): run `npm install -D ws tsx`\n',
    )
    npm(['install', '-D', 'ws', 'tsx'])
    const child = spawn('npx', ['--no-install', 'socketeer', 'dev', 'app.mjs', '--port', '0'], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1' },
      // npx does not pass signals on: the whole group is stopped below.
      detached: true,
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    try {
      const until = Date.now() + 30_000
      while (!/Ctrl-C stops/.test(out) && Date.now() < until && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 50))
      expect(out).toMatch(/websocket\s+ws:\/\/127\.0\.0\.1:\d+\/dev/)
      expect(out).toMatch(/routes\s+\$default\n/)
      const port = /127\.0\.0\.1:(\d+)/.exec(out)![1]
      const res = await fetch(`http://127.0.0.1:${port}/health`)
      expect(await res.json()).toEqual({ ok: true })
    } finally {
      const exited = new Promise((r) => child.once('exit', r))
      process.kill(-child.pid!, 'SIGINT')
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
  }, 240_000)

  it('bundles an App with esbuild, Rollup and webpack without DynamoDB packages', async () => {
    const esbuild = await import('esbuild')
    const es = await esbuild.build({
      entryPoints: [join(project, 'app.mjs')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      absWorkingDir: project,
    })
    expect(es.errors).toEqual([])
    expect(es.outputFiles[0]!.text).not.toMatch(/client-dynamodb|lib-dynamodb/)

    const { rollup } = await import('rollup')
    const { nodeResolve } = await import('@rollup/plugin-node-resolve')
    const commonjs = (await import('@rollup/plugin-commonjs')).default
    const warnings: string[] = []
    const rb = await rollup({
      input: join(project, 'app.mjs'),
      plugins: [nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }), commonjs()],
      external: (id) => id.startsWith('node:'),
      onwarn: (w) => warnings.push(`${w.code}: ${w.message}`),
    })
    const { output } = await rb.generate({ format: 'es', inlineDynamicImports: true })
    await rb.close()
    // The @connections SDK packages are optional peers loaded lazily (issue 13's transport); DynamoDB must not appear at all.
    expect(warnings.filter((w) => /dynamodb/i.test(w))).toEqual([])
    expect(output[0].code).not.toMatch(/client-dynamodb/)

    const webpack = (await import('webpack')).default
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) =>
      webpack(
        {
          mode: 'production',
          target: 'node20',
          context: project,
          entry: './app.mjs',
          output: { path: join(work, 'webpack-out'), filename: 'handler.js', library: { type: 'commonjs2' } },
          resolve: { modules: [join(project, 'node_modules')] },
          resolveLoader: { modules: [join(root, 'node_modules')] },
          // The @connections SDK is an optional peer the streamer's SDK transport imports
          // lazily (issue 13); Lambda's runtime provides it. DynamoDB is not excluded here.
          externals: [/^@aws-sdk\/client-apigatewaymanagementapi$/, /^@aws-sdk\/credential-provider-node$/],
          externalsType: 'commonjs',
        },
        (error, s) => (error || !s ? reject(error) : resolve(s)),
      ),
    )
    const info = stats.toJson({ all: false, errors: true })
    expect(info.errors ?? []).toEqual([])
    // The bundle runs: an HTTP route answers without any SDK present.
    const mod = await import(join(work, 'webpack-out/handler.js'))
    const handler = (mod.handler ?? mod.default?.handler) as (e: unknown) => Promise<{ statusCode: number }>
    const event = {
      httpMethod: 'GET',
      path: '/health',
      resource: '/{proxy+}',
      headers: {},
      requestContext: { requestId: 'r', stage: 'dev', httpMethod: 'GET', path: '/dev/health' },
    }
    expect((await handler(event)).statusCode).toBe(200)
  }, 240_000)

  it('type-checks a consumer under node10, node16 and bundler resolution, with the real Powertools Logger', () => {
    installTypes()
    const source = `import { App, type Logger } from 'socketeer'
import { events, invoke } from 'socketeer/testkit'
import type { startGateway } from 'socketeer/dev'
import type { WebSocketApi } from 'socketeer/cdk'
import type { DynamoConnectionStore } from 'socketeer/dynamodb'
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger'
const app = new App({ logger: new PowertoolsLogger() })
const logger: Logger = new PowertoolsLogger()
export type Faces = [typeof startGateway, WebSocketApi, DynamoConnectionStore, typeof logger]
export const run = () => invoke(app, events.message({ body: 'x' }))
`
    const results: Record<string, string> = {}
    for (const [name, options] of [
      ['node10', { module: 'commonjs', moduleResolution: 'node10' }],
      ['node16', { module: 'node16', moduleResolution: 'node16' }],
      ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ] as const) {
      const dir = join(project, `ts-${name}`)
      consumer(dir, name === 'node16' ? 'consumer.mts' : 'consumer.ts', source, options)
      results[name] = typeCheck(dir)
    }
    expect(results).toEqual({ node10: '0', node16: '0', bundler: '0' })
  }, 300_000)

  // Issue 11: a type error against a public type printed a hashed declaration chunk and a
  // one-letter alias (`import("…/dist/app-E8zBm95b").S`). Local classes named like
  // socketeer's make the compiler say which module each comes from.
  it('a type error names socketeer’s types by their own names and modules, never a hashed chunk', () => {
    installTypes()
    const source = `import { FakeStreamer } from 'socketeer/testkit'
import type { GoneError as Gone } from 'socketeer'
class StreamerClient { local = true }
class GoneError { local = true }
export const client: StreamerClient = new FakeStreamer({ endpoint: 'https://abc123.execute-api.us-east-1.amazonaws.com/prod' }).client()
export const gone: GoneError = null as unknown as Gone
`
    for (const [name, options] of [
      ['node10', { module: 'commonjs', moduleResolution: 'node10' }],
      ['node16', { module: 'node16', moduleResolution: 'node16' }],
      ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ] as const) {
      const dir = join(project, `ts-names-${name}`)
      consumer(dir, name === 'node16' ? 'consumer.mts' : 'consumer.ts', source, options)
      const out = typeCheck(dir)
      const tree = name === 'node10' ? 'cjs' : 'esm'
      expect(out).toMatch(/^2 /)
      // Each of socketeer's types is named by its own name and the module that declares it
      // (an ESM importer's message adds the import's resolution mode: `, { with: … }`).
      const types = [...out.matchAll(/import\("([^"]+)"(?:, \{ with: \{[^}]*\} \})?\)\.([\w$]+)/g)].map(
        ([, module, type]) => `${module}:${type}`,
      )
      const dist = `${project}/node_modules/socketeer/dist/types/${tree}/src`
      expect(types).toEqual([`${dist}/streamer/types:StreamerClient`, `${dist}/streamer/errors:GoneError`])
      expect(out).not.toMatch(/-[A-Za-z0-9_-]{8}["']/)
    }
  }, 300_000)

  it('passes @arethetypeswrong/cli (node10 included) and publint', () => {
    const attw = sh(bin('attw'), [tarball, '--format', 'json'], work, 120_000)
    const report = JSON.parse(attw.stdout)
    const problems = (report.analysis?.problems ?? []).map(
      (p: { kind: string; entrypoint?: string; resolutionKind?: string }) =>
        `${p.kind} ${p.entrypoint ?? ''} ${p.resolutionKind ?? ''}`.trim(),
    )
    expect(problems).toEqual([])
    const publint = sh(
      bin('publint'),
      ['run', join(project, 'node_modules/socketeer'), '--level', 'warning'],
      work,
    )
    expect(publint.status).toBe(0)
    expect(`${publint.stdout}${publint.stderr}`).not.toMatch(/Warnings:|Errors:/)
  }, 180_000)
})
