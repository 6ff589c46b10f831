// A Lambda handler that sends, bundled and started cold (issue 13): the minimal App echo
// handler (`ctx.asWebSocket().sendJSON(...)`) against a raw AWS SDK v3 handler doing the
// same PostToConnection, both bundled the way CDK's NodejsFunction does by default
// (esbuild, CommonJS, minified, `@aws-sdk/*` external: Lambda's runtime provides the SDK).
//
//   size        the bundle's bytes (the signer included); ESM with the createRequire
//               banner for comparison
//   cold start  a fresh `node` process: require the bundle, invoke it once with a
//               $default event whose send goes to a loopback @connections endpoint in
//               another process; the child's own clock from process start to the
//               handler's answer (the send answered). Lambda's environment
//               credentials are set, as Lambda sets them.
//   loaded      what that first send loaded: files (the SDK's, for the raw handler) and
//               Node builtins beyond what an empty process has
//
// Runs alternate A B A B; medians and the median of the paired differences are kept.
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { startLoopbackProcess } from './streamer-loopback.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
// Inside the repository, so `@aws-sdk/*` (external) resolves from its node_modules.
const out = join(root, '.bench-tmp', 'coldstart')
mkdirSync(out, { recursive: true })
const RUNS = Number(process.env.COLDSTART_RUNS ?? 15)

const sources = {
  socketeer: `import { App } from ${JSON.stringify(join(root, 'dist/index.js'))}
const app = new App()
app.webSocket('$default', async (ctx) => { const ws = ctx.asWebSocket(); await ws.sendJSON({ echo: ws.json() }) })
export const handler = app.handler`,
  'raw SDK v3': `import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
let client
export const handler = async (event) => {
  const { domainName, stage, connectionId } = event.requestContext
  client ??= new ApiGatewayManagementApiClient({ endpoint: 'http://' + domainName + '/' + stage })
  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify({ echo: JSON.parse(event.body) }) }))
  return { statusCode: 200 }
}`,
}

async function bundle(name, contents, format) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    platform: 'node',
    format,
    target: 'node20',
    external: ['@aws-sdk/*'],
    banner:
      format === 'esm'
        ? {
            js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
          }
        : undefined,
    write: false,
    logLevel: 'silent',
  })
  const file = join(out, `${name.replace(/\W+/g, '-')}.${format === 'esm' ? 'mjs' : 'cjs'}`)
  writeFileSync(file, result.outputFiles[0].contents)
  return { file, bytes: result.outputFiles[0].contents.length }
}

const bundles = {}
for (const [name, contents] of Object.entries(sources)) {
  bundles[name] = { cjs: await bundle(name, contents, 'cjs'), esm: await bundle(name, contents, 'esm') }
}

// The child: Lambda-like environment, one invocation, then what it loaded.
const child = join(out, 'child.cjs')
writeFileSync(
  child,
  `const { builtinModules } = require('node:module')
const before = new Set(process.moduleLoadList)
const { handler } = require(process.argv[2])
const port = process.argv[3]
const event = { requestContext: { routeKey: '$default', eventType: 'MESSAGE', connectionId: 'R1kmxc2VNjMCFIA=', domainName: '127.0.0.1:' + port,
  stage: 'prod', apiId: 'local', requestId: 'r', connectedAt: 1705751697419, requestTimeEpoch: 1705751697419, messageDirection: 'IN',
  extendedRequestId: 'r', messageId: 'm', identity: { sourceIp: '1.2.3.4' } }, body: '{"hello":"world"}', isBase64Encoded: false }
Promise.resolve(handler(event, { awsRequestId: 'r', getRemainingTimeInMillis: () => 3000 })).then((r) => {
  const ms = performance.now()
  const files = Object.keys(require.cache).filter((f) => f !== process.argv[2] && f !== __filename)
  const builtins = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule '))
    .map((m) => m.slice(13)).filter((m) => builtinModules.includes(m))
  process.stdout.write(JSON.stringify({ ms, status: r && r.statusCode, files, builtins }))
})`,
)

const lb = await startLoopbackProcess()
const port = new URL(lb.endpoint).port
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_SESSION_TOKEN: 'bench-session-token',
  AWS_REGION: 'eu-west-1',
  NODE_NO_WARNINGS: '1',
}

function coldRun(file) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, file, port], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let text = ''
    p.stdout.on('data', (d) => {
      text += d
    })
    p.on('exit', (code) => {
      try {
        const r = JSON.parse(text)
        if (r.status !== 200) throw new Error(`handler answered ${r.status}`)
        resolve(r)
      } catch (error) {
        reject(new Error(`${file}: exit ${code}, ${text}: ${error.message}`))
      }
    })
  })
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const names = Object.keys(sources)
const times = Object.fromEntries(names.map((n) => [n, []]))
const last = {}
const before = await lb.stats()
await coldRun(bundles[names[0]].cjs.file) // disk cache warm for both, not measured
await coldRun(bundles[names[1]].cjs.file)
const load0 = os.loadavg()
for (let i = 0; i < RUNS; i++) {
  for (const n of i % 2 ? [...names].reverse() : names) {
    const r = await coldRun(bundles[n].cjs.file)
    times[n].push(r.ms)
    last[n] = r
  }
}
const load1 = os.loadavg()
const after = await lb.stats()
if (after.requests - before.requests !== 2 * RUNS + 2) throw new Error('a send did not reach the server')
lb.stop()
rmSync(out, { recursive: true, force: true })

const diffs = times[names[0]].map((t, i) => times[names[1]][i] - t)
console.log('Bundle (esbuild, minified, @aws-sdk/* external)')
console.table(
  names.map((n) => ({
    handler: n,
    'CJS KB': Number((bundles[n].cjs.bytes / 1024).toFixed(1)),
    'ESM+banner KB': Number((bundles[n].esm.bytes / 1024).toFixed(1)),
  })),
)
console.log(`Cold start, fresh process to first send answered (${RUNS} runs each, interleaved)`)
console.table(
  names.map((n) => ({
    handler: n,
    'median ms': Number(median(times[n]).toFixed(1)),
    'min ms': Number(Math.min(...times[n]).toFixed(1)),
    'max ms': Number(Math.max(...times[n]).toFixed(1)),
    'files loaded besides the bundle': last[n].files.length,
    'SDK files': last[n].files.filter((f) => /@aws-sdk|@smithy/.test(f)).length,
  })),
)
for (const n of names)
  console.log(`builtins the first send loaded (${n}): ${last[n].builtins.join(' ') || 'none'}`)
const lean = last[names[0]]
console.log(
  `socketeer's first send: files loaded besides the bundle: ${lean.files.length ? lean.files.join(', ') : 'none'}`,
)
const saved = median(diffs)
const checks = [
  [
    `socketeer bundle <= 80 KB (CJS ${(bundles.socketeer.cjs.bytes / 1024).toFixed(1)} KB)`,
    bundles.socketeer.cjs.bytes <= 80 * 1024,
  ],
  [
    'first send loads no @aws-sdk/client-apigatewaymanagementapi',
    !lean.files.some((f) => f.includes('client-apigatewaymanagementapi')),
  ],
  [
    `cold start >= 25 ms faster than the raw SDK (median paired difference ${saved.toFixed(1)} ms)`,
    saved >= 25,
  ],
]
for (const [what, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`)
console.log(
  `load average (1, 5, 15 min): before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${load1.map((l) => l.toFixed(2)).join(' ')}; ${os.cpus().length} cpus`,
)
