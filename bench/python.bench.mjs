// Python handlers under `socketeer dev` (issue 14), beside the same handler in Node, in
// one run. The handler is an echo that replies through @connections the way AWS's
// samples do: the endpoint built from the event, https://{domainName}/{stage}, a client
// kept per endpoint (boto3 in Python, SDK v3 in Node). Python runs in warm worker
// processes (up to 4 per function); Node in the gateway's process.
//
//   round trips  N connections each send a frame and wait for the echo, closed loop;
//                rounds alternate python / node, best round of each kept.
//   first event  from the call to startDev() to the first echo on a socket opened as
//                soon as it resolved (the workers' start included).
//
// Each server runs in a child process (this file with `serve <kind>`), the load in this
// one. Run by `npm run bench -- python` after a build; imports ../dist.
import { fork, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'

const self = fileURLToPath(import.meta.url)
const LOADS = [1, 50]
const ROUNDS = 3
const WARM_MS = 500
const MEASURE_MS = 2_000
const TARGET_RATIO = 0.3
const TARGET_FIRST_MS = 1_500
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const PY = `import boto3

_clients = {}


def handler(event, context):
    ctx = event["requestContext"]
    if ctx["eventType"] != "MESSAGE":
        return {"statusCode": 200}
    endpoint = "https://%s/%s" % (ctx["domainName"], ctx["stage"])
    client = _clients.get(endpoint)
    if client is None:
        client = _clients[endpoint] = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    client.post_to_connection(ConnectionId=ctx["connectionId"], Data=event["body"].encode("utf-8"))
    return {"statusCode": 200}
`

const NODE = `import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'

const clients = new Map()

export const handler = async (event) => {
  const ctx = event.requestContext
  if (ctx.eventType !== 'MESSAGE') return { statusCode: 200 }
  const endpoint = \`https://\${ctx.domainName}/\${ctx.stage}\`
  let client = clients.get(endpoint)
  if (!client) clients.set(endpoint, (client = new ApiGatewayManagementApiClient({ endpoint })))
  await client.send(new PostToConnectionCommand({ ConnectionId: ctx.connectionId, Data: event.body }))
  return { statusCode: 200 }
}
`

// ---- server side (child process) ---------------------------------------------------

async function serve(kind) {
  // The Node handler imports the SDK: its folder must resolve this package's node_modules.
  const dir = mkdtempSync(join(fileURLToPath(new URL('../node_modules/', import.meta.url)), '.bench-py-'))
  const file = join(dir, kind === 'python' ? 'echo.py' : 'echo.mjs')
  writeFileSync(file, kind === 'python' ? PY : NODE)
  const { startDev } = await import('../dist/dev/index.js')
  const t0 = performance.now()
  const dev = await startDev({ entry: file, port: 0, logger: () => {}, watch: false })
  const ready = performance.now() - t0
  const ws = new WebSocket(dev.gateway.url, { perMessageDeflate: false })
  await once(ws, 'open')
  ws.send('{"first":1}')
  await once(ws, 'message')
  const first = performance.now() - t0
  ws.close()
  process.on('disconnect', async () => {
    await dev.close()
    rmSync(dir, { recursive: true, force: true })
    process.exit(0)
  })
  process.send({ url: dev.gateway.url, ready, first })
}

async function startServer(kind) {
  const child = fork(self, ['serve', kind], { stdio: 'inherit' })
  const [info] = await once(child, 'message')
  return {
    ...info,
    async stop() {
      child.disconnect()
      if (child.exitCode === null) await once(child, 'exit')
    },
  }
}

// ---- load side (this process) -----------------------------------------------------

async function openMany(url, n) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const ws = new WebSocket(url, { perMessageDeflate: false })
      await once(ws, 'open')
      return ws
    }),
  )
}

async function roundTrips(sockets) {
  let counting = false
  let running = true
  let count = 0
  let errors = 0
  let inFlight = 0
  for (const [i, ws] of sockets.entries()) {
    let seq = 0
    const send = () => {
      inFlight++
      ws.send(`{"n":${i},"seq":${seq++}}`)
    }
    ws.removeAllListeners('message')
    ws.on('message', (data) => {
      inFlight--
      if (data[0] !== 0x7b || data[2] !== 0x6e) errors++
      if (counting) count++
      if (running) send()
    })
    send()
  }
  await sleep(WARM_MS)
  counting = true
  const t0 = performance.now()
  await sleep(MEASURE_MS)
  counting = false
  const seconds = (performance.now() - t0) / 1000
  running = false
  const drainBy = performance.now() + 10_000
  while (inFlight > 0 && performance.now() < drainBy) await sleep(10)
  return { perSecond: count / seconds, errors: errors + inFlight }
}

async function main() {
  if (spawnSync('python3', ['-c', 'import boto3']).status !== 0) {
    console.log('SKIPPED: python bench: python3 with boto3 not found (apt-get install python3-boto3)')
    return
  }
  const servers = {}
  const firsts = {}
  for (const kind of ['python', 'node']) {
    const s = await startServer(kind)
    servers[kind] = s
    firsts[kind] = s
  }
  const best = {}
  for (const n of LOADS) {
    const sockets = {
      python: await openMany(servers.python.url, n),
      node: await openMany(servers.node.url, n),
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of round % 2 === 0 ? ['python', 'node'] : ['node', 'python']) {
        const r = await roundTrips(sockets[kind])
        if (r.errors > 0) throw new Error(`${kind} at ${n}: ${r.errors} replies missing or wrong`)
        const key = `${kind}@${n}`
        best[key] = Math.max(best[key] ?? 0, r.perSecond)
        console.log(
          `  round ${round + 1} ${kind.padEnd(6)} ${String(n).padStart(2)} conn: ${r.perSecond.toFixed(0)} msg/s`,
        )
      }
    }
    for (const kind of ['python', 'node']) for (const ws of sockets[kind]) ws.terminate()
  }
  await Promise.all(Object.values(servers).map((s) => s.stop()))

  console.log('\nPython echo through boto3 vs the same handler in Node (SDK v3), msg/s (best of rounds)')
  console.log('connections  python   node   python/node')
  for (const n of LOADS) {
    const p = best[`python@${n}`]
    const q = best[`node@${n}`]
    console.log(
      `${String(n).padStart(11)}  ${p.toFixed(0).padStart(6)}  ${q.toFixed(0).padStart(5)}   ${(p / q).toFixed(2)}`,
    )
  }
  console.log('\nstart → first echo (ms): startDev() resolved / first reply on a new socket')
  for (const kind of ['python', 'node'])
    console.log(
      `  ${kind.padEnd(6)} ${firsts[kind].ready.toFixed(0).padStart(6)} / ${firsts[kind].first.toFixed(0)}`,
    )
  const ratio = best['python@50'] / best['node@50']
  console.log(
    `\ntarget: python ≥ ${TARGET_RATIO} × node at 50 connections: ${ratio.toFixed(2)} ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}; first event ≤ ${TARGET_FIRST_MS} ms: ${firsts.python.first.toFixed(0)} ms ${firsts.python.first <= TARGET_FIRST_MS ? 'met' : 'NOT met'}`,
  )
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}`,
  )
}

if (process.argv[2] === 'serve') await serve(process.argv[3])
else await main()
