// The App's cost over a hand-written handler doing the same work, its import cost (issue
// 2) and its bundle size with the SigV4 signer included (issue 13: ≤ 80 KB; issue 2's
// 10 KB for a bundle without a sender is withdrawn). Run by `npm run bench` after a build; imports ../dist.
//
// Per-invocation figures: each sample awaits BATCH calls in a row and reports the mean,
// so timer resolution does not swamp sub-microsecond costs. Both sides run in the same
// process, in alternating rounds; the best round of each is kept (the least disturbed
// by other work on a shared machine) and the overhead is app minus raw.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { Bench } from 'tinybench'
import { App } from '../dist/index.js'
import { bundleMinimalHandler } from './minimal-handler.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const distEntry = join(root, 'dist/index.js')
const BATCH = 200
const ROUNDS = 3
// Fresh processes per side for the import cost, alternating so drift hits both alike.
const COLD_RUNS = 21

// ---- the in-memory @connections client both handlers send through -------------------
let sentBytes = 0
const client = {
  endpoint: 'memory',
  postToConnection(_id, data) {
    sentBytes += data.length
    return Promise.resolve()
  },
  getConnection: () => Promise.reject(new Error('unused')),
  deleteConnection: () => Promise.resolve(),
  broadcast: () => Promise.resolve({ sent: [], gone: [], failed: [] }),
}

// ---- events, shaped like the real captures (semantics page, section 1) ---------------
const rc = {
  routeKey: '$default',
  messageId: 'R1knPc2ntjMCFIA=',
  eventType: 'MESSAGE',
  extendedRequestId: 'R1knPH17NjMFftw=',
  requestTime: '20/Jan/2024:11:55:00 +0000',
  messageDirection: 'IN',
  stage: 'prod',
  connectedAt: 1705751697419,
  requestTimeEpoch: 1705751700453,
  identity: { userAgent: 'Mozilla/5.0', sourceIp: '49.105.91.154' },
  requestId: 'R1knPH17NjMFftw=',
  domainName: 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com',
  connectionId: 'R1kmxc2VNjMCFIA=',
  apiId: 'dl7ptocha9',
}
const messageEvent = {
  requestContext: rc,
  body: '{"action":"sendmessage","message":"hi"}',
  isBase64Encoded: false,
}
const connectRc = { ...rc, routeKey: '$connect', eventType: 'CONNECT', requestTimeEpoch: 1705751697420 }
delete connectRc.messageId
const connectEvent = {
  headers: {
    Host: rc.domainName,
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    'X-Forwarded-For': '49.105.91.154',
  },
  multiValueHeaders: {
    Host: [rc.domainName],
    'Sec-WebSocket-Key': ['dGhlIHNhbXBsZSBub25jZQ=='],
    'Sec-WebSocket-Version': ['13'],
    'X-Forwarded-For': ['49.105.91.154'],
  },
  requestContext: connectRc,
  isBase64Encoded: false,
}
const httpEvent = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/posts/42',
  rawQueryString: '',
  headers: { accept: '*/*', host: 'aaaaaaaaaa.execute-api.us-west-2.amazonaws.com', 'user-agent': 'curl/8' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'aaaaaaaaaa',
    domainName: 'aaaaaaaaaa.execute-api.us-west-2.amazonaws.com',
    domainPrefix: 'aaaaaaaaaa',
    http: {
      method: 'GET',
      path: '/posts/42',
      protocol: 'HTTP/1.1',
      sourceIp: '1.2.3.4',
      userAgent: 'curl/8',
    },
    requestId: 'LV7fzho-PHcEJPw=',
    routeKey: '$default',
    stage: '$default',
    time: '21/Apr/2020:15:08:21 +0000',
    timeEpoch: 1587481701067,
  },
  isBase64Encoded: false,
}
const lambdaContext = {
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  getRemainingTimeInMillis: () => 3000,
}

// ---- the App under test ---------------------------------------------------------------
const app = new App({ logLevel: 'silent', streamer: () => client })
app.webSocket('$connect', () => {})
app.webSocket('$default', async (ctx) => {
  const ws = ctx.asWebSocket()
  await ws.sendJSON({ echo: ws.json() })
})
app.get('/posts/:id', (ctx) => ({ id: ctx.req.params.id }))

// ---- the hand-written baseline: the same work, written directly ----------------------
// It derives the management endpoint, keeps one client per endpoint at module scope
// (as a careful raw handler does), parses and replies; HTTP splits the path itself.
const rawClients = new Map()
async function rawHandler(event) {
  const r = event.requestContext
  if (r.eventType === 'CONNECT') return { statusCode: 200 }
  if (r.eventType === 'MESSAGE') {
    const endpoint = `https://${r.domainName}/${r.stage}`
    let c = rawClients.get(endpoint)
    if (!c) {
      c = client
      rawClients.set(endpoint, c)
    }
    let body
    try {
      body = JSON.parse(event.body)
    } catch {
      return { statusCode: 400 }
    }
    await c.postToConnection(r.connectionId, JSON.stringify({ echo: body }))
    return { statusCode: 200 }
  }
  if (event.version === '2.0') {
    const parts = event.rawPath.split('/')
    if (event.requestContext.http.method === 'GET' && parts.length === 3 && parts[1] === 'posts') {
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: decodeURIComponent(parts[2]) }),
        isBase64Encoded: false,
      }
    }
    return { statusCode: 404, body: '' }
  }
  return { statusCode: 200 }
}

// Both must produce the same result, or the comparison means nothing.
async function sameWork(name, event) {
  const before = sentBytes
  const a = await app.handler(event, lambdaContext)
  const appSent = sentBytes - before
  const b = await rawHandler(event, lambdaContext)
  const rawSent = sentBytes - before - appSent
  if (JSON.stringify(a) !== JSON.stringify(b) || appSent !== rawSent) {
    throw new Error(
      `${name}: app and raw differ: ${JSON.stringify([a, appSent])} vs ${JSON.stringify([b, rawSent])}`,
    )
  }
}

function batched(handler, event) {
  return async () => {
    const t0 = performance.now()
    for (let i = 0; i < BATCH; i++) await handler(event, lambdaContext)
    const dt = performance.now() - t0
    return { overriddenDuration: dt / BATCH, overriddenIterationCost: dt }
  }
}

async function perInvocation(name, event) {
  await sameWork(name, event)
  const best = { app: Number.POSITIVE_INFINITY, raw: Number.POSITIVE_INFINITY }
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: 400, warmupTime: 150 })
    const order = round % 2 === 0 ? ['app', 'raw'] : ['raw', 'app']
    for (const side of order) bench.add(side, batched(side === 'app' ? app.handler : rawHandler, event))
    await bench.run()
    for (const task of bench.tasks) {
      if (task.result.state !== 'completed') throw new Error(`${name} ${task.name}: ${task.result.state}`)
      best[task.name] = Math.min(best[task.name], task.result.latency.mean * 1e6)
    }
  }
  return { name, appNs: best.app, rawNs: best.raw }
}

// ---- import cost, in fresh processes --------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'socketeer-bench-'))
const empty = join(work, 'empty.mjs')
writeFileSync(empty, 'export {}\n')

// Wall time is what a cold start waits; CPU time is the same work with less of the
// machine's noise (other processes, a VM's steal), so both are printed.
function importMs(url) {
  const code = `const c=process.cpuUsage();const t=performance.now();await import(${JSON.stringify(url)});const d=process.cpuUsage(c);process.stdout.write(JSON.stringify([performance.now()-t,(d.user+d.system)/1000]))`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  const [wall, cpu] = JSON.parse(r.stdout)
  return { wall, cpu }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

// Every module the import resolves, recorded by a resolve hook in the child process.
function modulesLoaded(url) {
  const out = join(work, 'resolved.txt')
  writeFileSync(out, '')
  const hooks = `import{appendFileSync}from'node:fs';let out;export function initialize(d){out=d.out}
export async function resolve(s,c,n){const r=await n(s,c);appendFileSync(out,r.url+'\\n');return r}`
  const code = `import{register}from'node:module';
register('data:text/javascript,'+encodeURIComponent(${JSON.stringify(hooks)}),{data:{out:${JSON.stringify(out)}}});
await import(${JSON.stringify(url)})`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return readFileSync(out, 'utf8').split('\n').filter(Boolean)
}

async function coldStart() {
  const target = pathToFileURL(distEntry).href
  const baseline = pathToFileURL(empty).href
  const runs = { baseline: [], socketeer: [] }
  for (let i = 0; i < COLD_RUNS; i++) {
    runs.baseline.push(importMs(baseline))
    runs.socketeer.push(importMs(target))
  }
  const modules = modulesLoaded(target)
  const sdk = modules.filter((m) => m.includes('@aws-sdk') || m.includes('@smithy'))
  if (sdk.length > 0) throw new Error(`importing socketeer loaded the AWS SDK: ${sdk.slice(0, 3).join(', ')}`)
  // Positive control: the same probe does see the SDK when it is imported.
  const probe = modulesLoaded('@aws-sdk/client-apigatewaymanagementapi').filter((m) => m.includes('@aws-sdk'))
  if (probe.length === 0) throw new Error('the module probe failed to see a direct SDK import')
  const pick = (side, key) => runs[side].map((r) => r[key])
  return {
    baselineMs: median(pick('baseline', 'wall')),
    socketeerMs: median(pick('socketeer', 'wall')),
    // The least disturbed run of each: the import's own cost on a busy machine.
    baselineMin: Math.min(...pick('baseline', 'wall')),
    socketeerMin: Math.min(...pick('socketeer', 'wall')),
    baselineCpu: median(pick('baseline', 'cpu')),
    socketeerCpu: median(pick('socketeer', 'cpu')),
    modules: modules.filter((m) => m.startsWith('file:')).length,
    sdkProbe: probe.length,
  }
}

// ---- bundle size: a minimal handler, esbuild minified, ESM, SDK external ---------------
const BUNDLE_TARGET_KB = 80
async function bundleSize() {
  const { bytes } = await bundleMinimalHandler(distEntry)
  // The target counts the sender: a bundle without the signer would meet it by cheating.
  const text = new TextDecoder().decode(bytes)
  if (!text.includes('aws4_request')) throw new Error('the minimal handler bundle carries no SigV4 signer')
  return { bytes: bytes.length, gzip: gzipSync(bytes).length, byConcept: await bytesByConcept() }
}

// Where the bytes go, by folder of src/: the same handler bundled from the sources
// (dist/index.js is one file, so its metafile cannot tell the parts apart). aws4 shows as
// node_modules/aws4; built from the sources it keeps its plain `require`s, a few bytes
// fewer than dist's copy.
async function bytesByConcept() {
  const { metafile } = await bundleMinimalHandler(join(root, 'src/index.ts'))
  const byFolder = new Map()
  for (const [file, { bytesInOutput }] of Object.entries(Object.values(metafile.outputs)[0].inputs)) {
    const m = /^src\/([^/]+)\//.exec(file)
    const concept = m ? `src/${m[1]}` : file.startsWith('src/') ? 'src/*.ts (errors, json, log, env)' : file
    byFolder.set(concept, (byFolder.get(concept) ?? 0) + bytesInOutput)
  }
  return [...byFolder].sort((a, b) => b[1] - a[1])
}

// ---- run and print ---------------------------------------------------------------------
try {
  const rows = []
  rows.push(await perInvocation('$default JSON echo (one send)', messageEvent))
  rows.push(await perInvocation('$connect (accept)', connectEvent))
  rows.push(await perInvocation('HTTP API GET /posts/:id', httpEvent))
  console.table(
    rows.map((r) => ({
      scenario: r.name,
      'app ns/op': Math.round(r.appNs),
      'raw ns/op': Math.round(r.rawNs),
      'overhead ns': Math.round(r.appNs - r.rawNs),
      ratio: (r.appNs / r.rawNs).toFixed(2),
    })),
  )
  const cold = await coldStart()
  console.table(
    [
      [`wall ms, median of ${COLD_RUNS}`, cold.baselineMs, cold.socketeerMs],
      [`wall ms, best of ${COLD_RUNS}`, cold.baselineMin, cold.socketeerMin],
      [`CPU ms, median of ${COLD_RUNS}`, cold.baselineCpu, cold.socketeerCpu],
    ].map(([runs, base, sock]) => ({
      'fresh process': runs,
      'empty import': base.toFixed(2),
      'socketeer import': sock.toFixed(2),
      added: (sock - base).toFixed(2),
      'files resolved': cold.modules,
      '@aws-sdk loaded': 'no',
    })),
  )
  const size = await bundleSize()
  console.table([
    {
      bundle: 'minimal App echo handler (esbuild, minified, ESM, @aws-sdk/* external, signer included)',
      KB: (size.bytes / 1024).toFixed(2),
      'gzip KB': (size.gzip / 1024).toFixed(2),
    },
  ])
  console.table(
    size.byConcept
      .filter(([, b]) => b > 0)
      .map(([concept, b]) => ({ 'of which': concept, KB: (b / 1024).toFixed(2) })),
  )
  const targets = [
    ['$default overhead < 1000 ns', rows[0].appNs - rows[0].rawNs < 1000],
    ['$connect overhead < 500 ns', rows[1].appNs - rows[1].rawNs < 500],
    ['import adds < 10 ms (wall, median)', cold.socketeerMs - cold.baselineMs < 10],
    [`bundle ≤ ${BUNDLE_TARGET_KB} KB, signer included`, size.bytes <= BUNDLE_TARGET_KB * 1024],
  ]
  for (const [what, ok] of targets) console.log(`${ok ? 'met   ' : 'MISSED'} ${what}`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
