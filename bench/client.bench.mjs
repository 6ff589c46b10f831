// socketeer/client (issue 17): its browser bundle, and its throughput beside a bare `ws`
// client doing the same work. Run by `npm run bench -- client` after a build; imports ../dist.
//
//   bundle       dist/client/index.js bundled for browsers (esbuild, minified), gzip -9.
//                Target: at most 6 KB.
//   round trips  N clients each send a request and wait for its reply, in a closed
//                loop: client → gateway → App (`echo`, a one-way route: the reply is
//                posted through @connections) → client. The bare client is a `ws`
//                socket writing the same frame and matching the reply by id by hand,
//                so the difference is the client's own cost. Target: >= 80% of bare.
//
// The gateway runs in a child process (this file with `serve`), the clients here.
// Rounds alternate (client, bare, client, bare ...) on warm processes; the best round
// of each side is kept, the least disturbed by other work on a shared machine.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import WebSocket from 'ws'

const self = fileURLToPath(import.meta.url)
const LOADS = [1, 50]
const ROUNDS = 3
const WARM_MS = 300
const MEASURE_MS = 1_500
const TARGET_KB = 6
const TARGET_RATIO = 0.8
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function serve() {
  const { App } = await import('../dist/index.js')
  const { startGateway } = await import('../dist/dev/index.js')
  const app = new App({ logLevel: 'silent' }).webSocket('echo', (ctx) => ctx.data)
  const gw = await startGateway({ handler: app.handler, port: 0, logger: false })
  process.send({ url: gw.url })
  process.on('disconnect', () => gw.close().then(() => process.exit(0)))
}

async function bundleSize() {
  const { build } = await import('esbuild')
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../dist/client/index.js', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  })
  const code = out.outputFiles[0].contents
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length }
}

/** Closed loop on each of `n` senders for `ms`; returns round trips per second. */
async function loop(senders, ms) {
  let count = 0
  let stop = false
  const run = async (send) => {
    while (!stop) {
      await send()
      count++
    }
  }
  const running = senders.map(run)
  await sleep(WARM_MS)
  count = 0
  const t0 = performance.now()
  await sleep(ms)
  const rate = (count * 1000) / (performance.now() - t0)
  stop = true
  await Promise.all(running)
  return rate
}

async function clientSenders(url, n) {
  const { createClient } = await import('../dist/client/index.js')
  const clients = []
  for (let i = 0; i < n; i++) {
    const c = createClient(url, { session: false, WebSocket, keepaliveMs: 0, rotateAfterMs: 0 })
    await new Promise((r) => c.on('open', r))
    clients.push(c)
  }
  const payload = { text: 'hello' }
  return {
    senders: clients.map((c) => () => c.request('echo', payload)),
    close: () => {
      for (const c of clients) c.close()
    },
  }
}

async function bareSenders(url, n) {
  const sockets = []
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(url)
    await once(ws, 'open')
    const waiting = new Map()
    let next = 0
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      const resolve = waiting.get(frame.id)
      if (resolve) {
        waiting.delete(frame.id)
        resolve(frame.data)
      }
    })
    sockets.push({
      ws,
      send: () =>
        new Promise((resolve) => {
          const id = `b${++next}`
          waiting.set(id, resolve)
          ws.send(JSON.stringify({ action: 'echo', data: { text: 'hello' }, id }))
        }),
    })
  }
  return {
    senders: sockets.map((s) => s.send),
    close: () => {
      for (const s of sockets) s.ws.close()
    },
  }
}

async function main() {
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  const size = await bundleSize()
  const kb = size.gzip / 1024
  console.log(
    `bundle: ${size.min} bytes minified, ${size.gzip} bytes gzip (${kb.toFixed(2)} KB; target <= ${TARGET_KB} KB: ${kb <= TARGET_KB ? 'met' : 'NOT met'})`,
  )

  const child = fork(self, ['serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [{ url }] = await once(child, 'message')
  const rows = []
  for (const n of LOADS) {
    const best = { client: 0, bare: 0 }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [side, make] of [
        ['client', clientSenders],
        ['bare', bareSenders],
      ]) {
        const { senders, close } = await make(url, n)
        const rate = await loop(senders, MEASURE_MS)
        close()
        best[side] = Math.max(best[side], rate)
        await sleep(200)
      }
    }
    const ratio = best.client / best.bare
    rows.push({
      clients: n,
      'client rt/s': Math.round(best.client),
      'bare ws rt/s': Math.round(best.bare),
      ratio: ratio.toFixed(2),
      [`target >= ${TARGET_RATIO}`]: ratio >= TARGET_RATIO ? 'met' : 'NOT met',
    })
  }
  console.table(rows)
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  child.disconnect()
  await once(child, 'exit')
}

if (process.argv[2] === 'serve') await serve()
else await main()
