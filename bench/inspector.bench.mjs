// What the inspector costs the gateway (issue 16). `npm run bench -- inspector`.
//
//   throughput  50 connections in a closed loop, each sending a small frame and waiting
//               for the echo: an App's `$default` answers through @connections
//               in-process (2 log records per round trip: MESSAGE and MANAGE). Three
//               gateways side by side, each in its own child process: the inspector off,
//               on with no page open, and on with a page open (an SSE subscriber in this
//               process reading /_socketeer/api/stream, as the page does). 41 short
//               rounds (100 ms warm, 300 ms measured) interleaved (off, on, page, then the
//               reverse), the median of each side and of the per-round ratios kept: this
//               VM's speed moves within seconds, and many short rounds let every side see
//               the same moves (15 rounds of 600 ms gave ratios 8 points apart run to run).
//               BENCH_ROUNDS, BENCH_WARM_MS and BENCH_MEASURE_MS change them.
//   memory      the "on" gateway after 100 000 more records: heap used, before and after,
//               with the ring at its default 500 records.
//
// Targets: on-without-page >= 95% of off, with-page >= 80% of off; memory flat.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'

const self = fileURLToPath(import.meta.url)
const CONNECTIONS = 50
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 41)
const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 100)
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 300)
const MEMORY_RECORDS = 100_000
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---- server side (child process) ---------------------------------------------------

async function serve(kind) {
  const { App } = await import('../dist/index.js')
  const { startGateway } = await import('../dist/dev/index.js')
  const app = new App({ logLevel: 'silent' })
  app.webSocket('$default', async (ctx) => {
    const ws = ctx.asWebSocket()
    await ws.send(ws.text())
  })
  const gw = await startGateway({
    handler: app.handler,
    port: 0,
    logger: () => {},
    inspector: kind !== 'off',
  })
  process.on('message', async (msg) => {
    if (msg === 'cpu') {
      const { user, system } = process.cpuUsage()
      return process.send({ cpuMicros: user + system })
    }
    if (msg !== 'mem') return
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.()
      await sleep(50)
    }
    process.send({ heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss })
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ url: gw.url, inspectorUrl: gw.inspectorUrl })
}

async function startServer(kind) {
  const child = fork(self, ['serve', kind], { execArgv: ['--expose-gc'], stdio: 'inherit' })
  const [first] = await once(child, 'message')
  return {
    ...first,
    async mem() {
      child.send('mem')
      const [m] = await once(child, 'message')
      return m
    },
    async cpu() {
      child.send('cpu')
      const [m] = await once(child, 'message')
      return m.cpuMicros
    },
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

/** Closed-loop round trips on every socket for `ms`; per second (or, with ms 0, the count after `total`). */
async function roundTrips(sockets, ms, total = Number.POSITIVE_INFINITY, server = undefined) {
  let counting = ms === 0
  let running = true
  let count = 0
  let inFlight = 0
  let done
  const finished = new Promise((r) => {
    done = r
  })
  for (const [i, ws] of sockets.entries()) {
    const send = () => {
      inFlight++
      ws.send(`{"n":${i}}`)
    }
    ws.removeAllListeners('message')
    ws.on('message', () => {
      inFlight--
      if (counting) count++
      if (count >= total) {
        running = false
        done()
      }
      if (running) send()
    })
    send()
  }
  let seconds = 0
  if (ms > 0) {
    await sleep(WARM_MS)
    const cpu0 = server ? await server.cpu() : 0
    counting = true
    const t0 = performance.now()
    await sleep(ms)
    counting = false
    seconds = (performance.now() - t0) / 1000
    running = false
    if (server) lastCpu = ((await server.cpu()) - cpu0) / Math.max(1, count)
  } else await finished
  while (inFlight > 0) await sleep(5)
  return seconds > 0 ? count / seconds : count
}

/** What an open page costs: the SSE stream, read and parsed as the page does. */
async function subscribe(inspectorUrl) {
  const controller = new AbortController()
  const res = await fetch(`${inspectorUrl}api/stream?after=0`, { signal: controller.signal })
  let records = 0
  const reading = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true })
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const message = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (message.startsWith('data: ')) records += JSON.parse(message.slice(6)).length
          end = buffer.indexOf('\n\n')
        }
      }
    } catch {
      // aborted
    }
  })()
  return {
    records: () => records,
    async stop() {
      controller.abort()
      await reading
    },
  }
}

// The server's CPU time per round trip in the last measured round (µs): what the gateway
// spends, much less disturbed by other processes on the machine than the wall-clock rate.
let lastCpu = 0

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

async function main() {
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${cpus().length} cpus)`,
  )
  const servers = {
    off: await startServer('off'),
    on: await startServer('on'),
    page: await startServer('page'),
  }
  const sockets = {}
  for (const [kind, server] of Object.entries(servers))
    sockets[kind] = await openMany(server.url, CONNECTIONS)
  const page = await subscribe(servers.page.inspectorUrl)
  // One round unmeasured: every side's code warm before any figure.
  for (const kind of ['off', 'on', 'page']) await roundTrips(sockets[kind], MEASURE_MS)
  const rates = { off: [], on: [], page: [] }
  const ratios = { on: [], page: [] }
  const cpu = { off: [], on: [], page: [] }
  const cpuRatios = { on: [], page: [] }
  for (let round = 0; round < ROUNDS; round++) {
    // Each round in another order, so no side always follows the same one.
    const order = round % 2 === 0 ? ['off', 'on', 'page'] : ['page', 'on', 'off']
    const got = {}
    const spent = {}
    for (const kind of order) {
      got[kind] = await roundTrips(sockets[kind], MEASURE_MS, undefined, servers[kind])
      spent[kind] = lastCpu
    }
    for (const kind of order) {
      rates[kind].push(got[kind])
      cpu[kind].push(spent[kind])
    }
    ratios.on.push(got.on / got.off)
    ratios.page.push(got.page / got.off)
    // As a throughput ratio: off's CPU per round trip over the side's.
    cpuRatios.on.push(spent.off / spent.on)
    cpuRatios.page.push(spent.off / spent.page)
    if (process.env.BENCH_VERBOSE)
      console.log(
        `round ${round}: cpu µs/rt off ${spent.off.toFixed(1)} on ${spent.on.toFixed(1)} page ${spent.page.toFixed(1)}`,
      )
  }
  const off = median(rates.off)
  const on = median(rates.on)
  const withPage = median(rates.page)
  const onRatio = median(ratios.on)
  const pageRatio = median(ratios.page)
  console.log(
    `\nthroughput, ${CONNECTIONS} connections, echo through @connections, ${ROUNDS} interleaved rounds of ${MEASURE_MS} ms`,
  )
  console.log('side                       median rt/s   median of per-round ratios to off   rounds')
  const line = (name, v, ratio, all) =>
    console.log(
      `${name.padEnd(26)} ${fmt(v).padStart(11)}   ${ratio === undefined ? '    -' : `${fmt(ratio * 100, 1).padStart(5)}%`}${' '.repeat(31)}${all.map((x) => fmt(x)).join(' ')}`,
    )
  line('inspector off', off, undefined, rates.off)
  line('inspector on, no page', on, onRatio, rates.on)
  line('inspector on, page open', withPage, pageRatio, rates.page)
  const onCpu = median(cpuRatios.on)
  const pageCpu = median(cpuRatios.page)
  console.log(
    '\nserver CPU per round trip (µs), median; as throughput: off / side, median of per-round ratios',
  )
  console.log(`inspector off              ${fmt(median(cpu.off), 1).padStart(7)}`)
  console.log(`inspector on, no page      ${fmt(median(cpu.on), 1).padStart(7)}   ${fmt(onCpu * 100, 1)}%`)
  console.log(
    `inspector on, page open    ${fmt(median(cpu.page), 1).padStart(7)}   ${fmt(pageCpu * 100, 1)}%`,
  )
  console.log(`(the page's stream carried ${fmt(page.records())} records)`)
  await page.stop()

  // Memory: 100 000 more records through the "on" gateway (2 per round trip).
  const before = await servers.on.mem()
  await roundTrips(sockets.on, 0, MEMORY_RECORDS / 2)
  const after = await servers.on.mem()
  console.log(
    `\nmemory, inspector on: heap ${fmt(before.heapUsed / 2 ** 20, 1)} MB before, ${fmt(after.heapUsed / 2 ** 20, 1)} MB after ${fmt(MEMORY_RECORDS)} more records (rss ${fmt(before.rss / 2 ** 20, 1)} -> ${fmt(after.rss / 2 ** 20, 1)} MB)`,
  )
  for (const list of Object.values(sockets)) for (const ws of list) ws.terminate()
  for (const server of Object.values(servers)) await server.stop()
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  // Judged on the server's CPU per round trip: on a shared machine the wall-clock rate
  // mostly measures the other processes (both are printed).
  const okOn = onCpu >= 0.95
  const okPage = pageCpu >= 0.8
  const okMem = after.heapUsed - before.heapUsed < 8 * 2 ** 20
  console.log(
    `\ntargets (server CPU per round trip; wall-clock ratios above): on-without-page >= 95% of off: ${okOn ? 'met' : 'MISSED'}; with-page >= 80%: ${okPage ? 'met' : 'MISSED'}; heap growth < 8 MB over ${fmt(MEMORY_RECORDS)} records: ${okMem ? 'met' : 'MISSED'}`,
  )
}

if (process.argv[2] === 'serve') await serve(process.argv[3])
else await main()
