// Broadcast throughput to a loopback @connections endpoint in another process (issues 3
// and 13): client.broadcast() of one message to 10 000 connection ids at concurrency 64,
// over the default SigV4 transport and over the AWS SDK v3 transport, and the client CPU
// each message costs.
//
// Two server latencies: 0 ms (the client's own cost decides; the 2-core machine shares
// its CPU with the server process) and 5 ms (a stand-in for the @connections round trip
// inside a region, where concurrency is what pays).
//
// Method (docs/performance.md): warm processes (a 2 000-id broadcast over each transport
// first), no forced GC, rounds that interleave the transports (A B, then B A), medians
// of the rounds, ratios taken within each round; the load average is printed.
import os from 'node:os'
import { createStreamerClient } from '../dist/index.js'
import { startLoopbackProcess } from './streamer-loopback.mjs'

process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH'
process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret'
process.removeAllListeners('warning') // the SDK's Node 20 support notice

const ROUNDS = Number(process.env.BROADCAST_ROUNDS ?? 3)
const N = Number(process.env.BROADCAST_IDS ?? 10_000)
const CONCURRENCY = 64
const DATA = { type: 'chat', text: 'hello, everyone', at: 1705751700453 }
const lb = await startLoopbackProcess()

const ids = Array.from({ length: N }, (_, i) => `conn${String(i).padStart(11, '0')}=`)
const variants = [
  { name: 'sigv4 (default)', client: createStreamerClient({ endpoint: lb.endpoint, region: 'eu-west-1' }) },
  {
    name: "transport: 'sdk'",
    client: createStreamerClient({ endpoint: lb.endpoint, region: 'eu-west-1', transport: 'sdk' }),
  },
]

async function run(v, list) {
  const before = await lb.stats()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const r = await v.client.broadcast(list, DATA, { concurrency: CONCURRENCY })
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const after = await lb.stats()
  if (r.sent.length !== list.length || after.requests - before.requests !== list.length)
    throw new Error(`${v.name}: sent ${r.sent.length}, server saw ${after.requests - before.requests}`)
  return { rate: list.length / seconds, cpuUs: (cpu.user + cpu.system) / list.length }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

for (const v of variants) await run(v, ids.slice(0, 2000)) // warm-up

const load0 = os.loadavg()
const rows = []
const checks = []
for (const delayMs of [0, 5]) {
  await lb.set({ delayMs })
  const rates = new Map(variants.map((v) => [v.name, []]))
  const cpus = new Map(variants.map((v) => [v.name, []]))
  const ratios = []
  for (let r = 0; r < ROUNDS; r++) {
    const round = new Map()
    for (const v of r % 2 ? [...variants].reverse() : variants) {
      const m = await run(v, ids)
      round.set(v.name, m.rate)
      rates.get(v.name).push(m.rate)
      cpus.get(v.name).push(m.cpuUs)
    }
    ratios.push(round.get(variants[0].name) / round.get(variants[1].name))
  }
  for (const v of variants) {
    rows.push({
      'server latency': `${delayMs} ms`,
      transport: v.name,
      'messages/s': Math.round(median(rates.get(v.name))),
      'min..max': `${Math.round(Math.min(...rates.get(v.name)))}..${Math.round(Math.max(...rates.get(v.name)))}`,
      'client CPU µs/msg': Math.round(median(cpus.get(v.name))),
      'whole broadcast, s': Number((N / median(rates.get(v.name))).toFixed(2)),
    })
  }
  const ratio = median(ratios)
  checks.push([`${delayMs} ms latency: sigv4 >= 2.2× the SDK transport (${ratio.toFixed(2)}×)`, ratio >= 2.2])
}
const load1 = os.loadavg()
const { connections } = await lb.stats()
console.log(
  `Broadcast of one message to ${N} ids at concurrency ${CONCURRENCY} (${ROUNDS} interleaved rounds, medians)`,
)
console.table(rows)
for (const [what, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`)
console.log(`TCP connections the server accepted over the whole run: ${connections} (keep-alive reuse)`)
console.log(
  `load average (1, 5, 15 min): before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${load1.map((l) => l.toFixed(2)).join(' ')}; ${os.cpus().length} cpus`,
)
lb.stop()
process.exit(0)
