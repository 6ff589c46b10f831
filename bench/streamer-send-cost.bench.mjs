// CPU µs per postToConnection, client side only (issues 3 and 13). The loopback
// @connections endpoint runs in another process, so process.cpuUsage() here is the
// client's cost alone: what a broadcast to 10 000 connections pays in Lambda time.
//
//   raw SDK, client reused          the baseline: one ApiGatewayManagementApiClient, kept
//   socketeer (sigv4, default)      createStreamerClient once: aws4-signed requests over a
//                                   keep-alive agent
//   socketeer (transport: 'sdk')    the same client over the AWS SDK v3 client
//   socketeer per invocation        createStreamerClient inside the handler (default transport)
//   socketeer layer, no-op wire     validation, encoding, retry loop over a transport that
//                                   does nothing and bounds its own attempts, as the
//                                   built-in ones do: socketeer's own share
//   ... no-op wire, unbounded       the same over a custom transport that does not bound its
//                                   attempts: the streamer's AbortController + timer per attempt
//
// Method (docs/performance.md): warm processes (thousands of sends of warm-up), no forced
// GC anywhere, rounds that interleave the variants (A B C ... then reversed), medians of
// the rounds, ratios taken within each round; the load average is printed.

import os from 'node:os'
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { createStreamerClient } from '../dist/index.js'
import { startLoopbackProcess } from './streamer-loopback.mjs'

process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH'
process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret'
process.removeAllListeners('warning') // the SDK's Node 20 support notice

const ROUNDS = Number(process.env.SEND_COST_ROUNDS ?? 8)
const WARMUP = Number(process.env.SEND_COST_WARMUP ?? 3000)
const ID = 'R1kmxc2VNjMCFIA='
const DATA = JSON.stringify({ type: 'chat', text: 'hello, everyone', at: 1705751700453 })
const lb = await startLoopbackProcess()
const endpoint = lb.endpoint
const region = 'eu-west-1'

const rawShared = new ApiGatewayManagementApiClient({ endpoint, region, maxAttempts: 1 })
const lean = createStreamerClient({ endpoint, region })
const viaSdk = createStreamerClient({ endpoint, region, transport: 'sdk' })
const noop = (boundsAttempts) =>
  createStreamerClient({
    endpoint,
    region,
    transport: {
      boundsAttempts,
      post: () => Promise.resolve(),
      get: () => Promise.reject(new Error('unused')),
      delete: () => Promise.resolve(),
    },
  })
const noWire = noop(true)
const noWireUnbounded = noop(false)

const variants = [
  {
    name: 'raw SDK, client reused',
    n: 400,
    send: () => rawShared.send(new PostToConnectionCommand({ ConnectionId: ID, Data: DATA })),
  },
  { name: 'socketeer (sigv4, default)', n: 400, send: () => lean.postToConnection(ID, DATA) },
  { name: "socketeer (transport: 'sdk')", n: 400, send: () => viaSdk.postToConnection(ID, DATA) },
  {
    name: 'socketeer, client per invocation',
    n: 400,
    send: () => createStreamerClient({ endpoint, region }).postToConnection(ID, DATA),
  },
  {
    name: 'socketeer layer, no-op wire',
    n: 20_000,
    send: () => noWire.postToConnection(ID, DATA),
    wire: false,
  },
  {
    name: 'socketeer layer, no-op wire, unbounded',
    n: 20_000,
    send: () => noWireUnbounded.postToConnection(ID, DATA),
    wire: false,
  },
]

async function measure(v) {
  const before = await lb.stats()
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < v.n; i++) await v.send()
  const cpu = process.cpuUsage(cpu0)
  const after = await lb.stats()
  const expected = v.wire === false ? 0 : v.n
  if (after.requests - before.requests !== expected)
    throw new Error(`${v.name}: server saw ${after.requests - before.requests} of ${expected}`)
  return { cpuUs: (cpu.user + cpu.system) / v.n, newConnections: after.connections - before.connections }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

// Warm-up: load the SDK, resolve credentials, open the sockets, let the JIT settle.
for (const v of variants) for (let i = 0; i < (v.wire === false ? 20_000 : WARMUP); i++) await v.send()

const load0 = os.loadavg()
const samples = new Map(variants.map((v) => [v.name, []]))
const ratios = new Map(variants.map((v) => [v.name, []]))
const conns = new Map(variants.map((v) => [v.name, 0]))
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 ? [...variants].reverse() : variants
  const round = new Map()
  for (const v of order) {
    const m = await measure(v)
    round.set(v.name, m.cpuUs)
    samples.get(v.name).push(m.cpuUs)
    conns.set(v.name, conns.get(v.name) + m.newConnections)
  }
  const base = round.get(variants[0].name)
  for (const v of variants) ratios.get(v.name).push(round.get(v.name) / base)
}
const load1 = os.loadavg()

console.log(
  `CPU per send, client side only (${ROUNDS} interleaved rounds, medians; server in another process)`,
)
console.table(
  variants.map((v) => {
    const us = median(samples.get(v.name))
    return {
      variant: v.name,
      'sends/round': v.n,
      'CPU µs/send': us < 100 ? Number(us.toFixed(2)) : Math.round(us),
      'min..max µs': `${Math.min(...samples.get(v.name)).toFixed(1)}..${Math.max(...samples.get(v.name)).toFixed(1)}`,
      'vs reused raw SDK': `${median(ratios.get(v.name)).toFixed(3)}×`,
      'new TCP conns': conns.get(v.name),
    }
  }),
)
const leanRatio = median(ratios.get('socketeer (sigv4, default)'))
const layer = median(samples.get('socketeer layer, no-op wire'))
for (const [what, ok] of [
  [`sigv4 transport <= 0.45× the reused raw SDK client (${leanRatio.toFixed(3)}×)`, leanRatio <= 0.45],
  [`socketeer's own layer <= 5 µs per send (${layer.toFixed(2)} µs)`, layer <= 5],
]) {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`)
}
console.log(
  `load average (1, 5, 15 min): before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${load1.map((l) => l.toFixed(2)).join(' ')}; ${os.cpus().length} cpus`,
)
lb.stop()
process.exit(0)
