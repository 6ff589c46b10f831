// Broadcast throughput through the real AWS SDK v3 to a loopback @connections endpoint
// in another process (issue 3): messages/s for client.broadcast() at concurrency 1, 16
// and 64, beside the naive baseline, a sequential `for` loop of postToConnection.
//
// Two server latencies: 0 ms (pure client cost; the 2-core machine shares the CPU with
// the server, so concurrency can only overlap the two processes) and 5 ms (a stand-in
// for the @connections round trip inside a region, where concurrency is what pays).
// Rounds alternate the variants; the best round of each is kept. Ratios are against
// the `for` loop at the same latency.
import { createStreamerClient } from '../dist/index.js'
import { startLoopbackProcess } from './streamer-loopback.mjs'

process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH'
process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret'
process.removeAllListeners('warning') // the SDK's Node 20 support notice

const ROUNDS = 2
const DATA = { type: 'chat', text: 'hello, everyone', at: 1705751700453 }
const lb = await startLoopbackProcess()
const client = createStreamerClient({ endpoint: lb.endpoint, region: 'eu-west-1' })

const ids = (n) => Array.from({ length: n }, (_, i) => `conn${String(i).padStart(11, '0')}=`)

const variants = [
  {
    name: 'for loop of postToConnection',
    run: async (list) => {
      for (const id of list) await client.postToConnection(id, DATA)
    },
  },
  ...[1, 16, 64].map((concurrency) => ({
    name: `broadcast, concurrency ${concurrency}`,
    run: async (list) => {
      const r = await client.broadcast(list, DATA, { concurrency })
      if (r.sent.length !== list.length) throw new Error(`sent ${r.sent.length} of ${list.length}`)
    },
  })),
]

// Warm-up: SDK load, credentials, sockets for 64 in flight, JIT.
await client.broadcast(ids(300), DATA, { concurrency: 64 })

const rows = []
for (const { delayMs, n } of [
  { delayMs: 0, n: 400 },
  { delayMs: 5, n: 200 },
]) {
  await lb.set({ delayMs })
  const list = ids(n)
  const best = new Map()
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) {
      globalThis.gc?.()
      const before = await lb.stats()
      const t0 = performance.now()
      await v.run(list)
      const seconds = (performance.now() - t0) / 1000
      const after = await lb.stats()
      if (after.requests - before.requests !== n)
        throw new Error(`${v.name}: server saw ${after.requests - before.requests}`)
      const rate = n / seconds
      if (!best.has(v.name) || rate > best.get(v.name)) best.set(v.name, rate)
    }
  }
  const base = best.get(variants[0].name)
  for (const v of variants) {
    const rate = best.get(v.name)
    rows.push({
      'server latency': `${delayMs} ms`,
      connections: n,
      variant: v.name,
      'messages/s': Math.round(rate),
      'vs for loop': `${(rate / base).toFixed(2)}×`,
    })
  }
}
const { connections } = await lb.stats()
console.log(`Broadcast throughput (best of ${ROUNDS} rounds), real SDK, loopback endpoint in another process`)
console.table(rows)
console.log(`TCP connections the server accepted over the whole run: ${connections} (keep-alive reuse)`)
lb.stop()
process.exit(0)
