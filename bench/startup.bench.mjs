// Start-up of `socketeer dev` on seed 003's project (test/dev/project/fixtures/seed-003,
// its files unchanged): from the command to the first accepted WebSocket connection, a
// connection its $connect handler recorded in DynamoDB. Beside it, serverless-offline
// on the same project when it is installed in a folder outside this project
// (SLS_BENCH_DIR, default /tmp/sls-bench: `npm install serverless@3 serverless-offline@13`
// there); else that side prints SKIPPED.
//
// The seed's files name fixed ports (3001, and 4566 where its handlers look for
// DynamoDB), so the bench runs itself in a private network namespace (`unshare -rn`).
// serverless-offline gets a DynamoDB already running on 4566 with the table created (a
// team's LocalStack), not counted in its time; socketeer's time includes starting its
// own and creating the table. Its handlers are compiled to dist/ first (the seed's
// `predev: tsc`), not counted either. Rounds alternate A B A B.
import { spawn, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const FIXTURE = join(root, 'test/dev/project/fixtures/seed-003')
const SLS_DIR = process.env.SLS_BENCH_DIR ?? '/tmp/sls-bench'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const TIMEOUT_MS = 60_000
const TARGET_MS = 2000
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

if (!process.env.SOCKETEER_BENCH_NETNS) {
  const ok = spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up && echo ok'], { encoding: 'utf8' })
  if (ok.stdout?.trim() !== 'ok') {
    console.log('SKIPPED: startup bench needs `unshare -rn` and `ip` (seed 003 names fixed ports)')
    process.exit(0)
  }
  const r = spawnSync(
    'unshare',
    [
      '-rn',
      'sh',
      '-c',
      `ip link set lo up && exec "${process.execPath}" "${fileURLToPath(import.meta.url)}"`,
    ],
    { stdio: 'inherit', env: { ...process.env, SOCKETEER_BENCH_NETNS: '1' } },
  )
  process.exit(r.status ?? 1)
}

const WebSocket = (await import('ws')).default

/** CPU time (user + system, ms) of a process and all its descendants, from /proc. */
function treeCpuMs(pid) {
  const stats = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {}
  }
  let ticks = 0
  const todo = [pid]
  while (todo.length > 0) {
    const p = todo.pop()
    ticks += stats.get(p)?.ticks ?? 0
    for (const [child, s] of stats) if (s.ppid === p) todo.push(child)
  }
  return ticks * 10 // USER_HZ is 100 on Linux
}

/** Spawns the command, then tries to open a socket until one is accepted. */
async function firstConnection(command, args, options) {
  const started = performance.now()
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout.on('data', (d) => (log += d))
  child.stderr.on('data', (d) => (log += d))
  try {
    while (performance.now() - started < TIMEOUT_MS) {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${log}`)
      const opened = await new Promise((resolve) => {
        const ws = new WebSocket('ws://127.0.0.1:3001/development')
        ws.once('open', () => {
          ws.close()
          resolve(true)
        })
        ws.once('error', () => resolve(false))
        ws.once('unexpected-response', (_q, res) => {
          res.resume()
          resolve(false)
        })
      })
      if (opened) return { wall: performance.now() - started, cpu: treeCpuMs(child.pid) }
      await sleep(10)
    }
    throw new Error(`no accepted connection in ${TIMEOUT_MS} ms:\n${log}`)
  } finally {
    child.kill('SIGINT')
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)])
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

// `cold`: empty caches, as the first start on a machine (no kept certificate, no tsx
// compile cache): a private XDG_CACHE_HOME and TMPDIR.
function socketeer(cold = false) {
  const env = { ...process.env, NODE_NO_WARNINGS: '1' }
  let fresh
  if (cold) {
    fresh = mkdtempSync(join(tmpdir(), 'socketeer-cold-'))
    Object.assign(env, { XDG_CACHE_HOME: join(fresh, 'cache'), TMPDIR: fresh })
  }
  return firstConnection(process.execPath, [join(root, 'dist/dev/cli.js'), 'dev', '--no-watch'], {
    cwd: FIXTURE,
    env,
  }).finally(() => fresh && rmSync(fresh, { recursive: true, force: true }))
}

// serverless-offline's side: the seed copied next to its install, handlers compiled.
let slsProject
function prepareServerless() {
  const bin = join(SLS_DIR, 'node_modules/serverless/bin/serverless.js')
  if (!existsSync(bin) || !existsSync(join(SLS_DIR, 'node_modules/serverless-offline'))) return undefined
  slsProject = join(SLS_DIR, 'seed-003')
  rmSync(slsProject, { recursive: true, force: true })
  cpSync(FIXTURE, slsProject, { recursive: true })
  // serverless-offline 13 takes `httpsProtocol` as a certificate folder and stops on the
  // seed's `httpsProtocol: false` (ERR_INVALID_ARG_TYPE): its copy goes without that line.
  const yml = join(slsProject, 'serverless.yml')
  writeFileSync(yml, readFileSync(yml, 'utf8').replace(/^\s*httpsProtocol: false\n/m, ''))
  const esbuild = require('esbuild')
  mkdirSync(join(slsProject, 'dist/handlers'), { recursive: true })
  for (const f of readdirSync(join(slsProject, 'src/handlers'))) {
    const out = esbuild.transformSync(readFileSync(join(slsProject, 'src/handlers', f), 'utf8'), {
      loader: 'ts',
      format: 'cjs',
    })
    writeFileSync(join(slsProject, 'dist/handlers', f.replace(/\.ts$/, '.js')), out.code)
  }
  return bin
}

async function withLocalDynamo(fn) {
  const server = require('dynalite')({ createTableMs: 0 })
  await new Promise((r) => server.listen(4566, '127.0.0.1', r))
  try {
    const { DynamoDBClient, CreateTableCommand } = await import('@aws-sdk/client-dynamodb')
    const client = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:4566',
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    })
    await client.send(
      new CreateTableCommand({
        TableName: 'comments-websocket-api-development-connections',
        AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    client.destroy()
    return await fn()
  } finally {
    await new Promise((r) => server.close(r))
  }
}

function serverlessOffline(bin) {
  return withLocalDynamo(() =>
    firstConnection(process.execPath, [bin, 'offline'], {
      cwd: slsProject,
      env: {
        ...process.env,
        NODE_PATH: join(root, 'node_modules'),
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        SLS_DEPRECATION_DISABLE: '*',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
    }),
  )
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) }
}
const line = (name, samples) => {
  const w = stats(samples.map((x) => x.wall))
  const c = stats(samples.map((x) => x.cpu))
  return `  ${name.padEnd(20)} wall median ${fmt(w.median)} (min ${fmt(w.min)}, max ${fmt(w.max)})   CPU median ${fmt(c.median)} (min ${fmt(c.min)})`
}
const fmt = (ms) => `${Math.round(ms)} ms`

const slsBin = prepareServerless()
const a = []
const b = []
// One start with empty caches (reported alone), then one unmeasured start each: the
// first run warms the disk cache for the modules.
const cold = await socketeer(true)
await socketeer()
if (slsBin) await serverlessOffline(slsBin)
for (let i = 0; i < ROUNDS; i++) {
  a.push(await socketeer())
  if (slsBin) b.push(await serverlessOffline(slsBin))
}
console.log(`startup: command to first accepted connection, seed 003's project, ${ROUNDS} rounds (A B A B)`)
const wa = stats(a.map((x) => x.wall)).median
console.log(
  `${line('socketeer dev', a)}   target < ${TARGET_MS} ms wall: ${wa < TARGET_MS ? 'met' : 'NOT met'}`,
)
console.log(
  `  ${'first start'.padEnd(20)} wall ${fmt(cold.wall)}   CPU ${fmt(cold.cpu)}   (empty caches: the certificate is made, the handlers compiled)`,
)
if (slsBin) {
  console.log(line('serverless-offline', b))
  const ratio = (k) => (stats(a.map((x) => x[k])).median / stats(b.map((x) => x[k])).median).toFixed(2)
  console.log(`  ratio socketeer / serverless-offline (medians): wall ${ratio('wall')}, CPU ${ratio('cpu')}`)
} else {
  console.log(
    `  serverless-offline   SKIPPED: not installed in ${SLS_DIR} (npm install serverless@3 serverless-offline@13 there)`,
  )
}
console.log(
  `  load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
