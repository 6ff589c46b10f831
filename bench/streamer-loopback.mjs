// A loopback @connections endpoint in its own process, for the streamer benches: the
// bench process's CPU time is then the client's alone, and the server gets the other
// core. Answers POST 200 (empty body, as AWS), optionally after `delayMs` to stand in
// for the service's round trip. Not a bench itself (no .bench.mjs suffix).
//
// Parent: const lb = await startLoopbackProcess(); lb.endpoint; await lb.set({ delayMs });
//         await lb.stats() → { requests, connections }; lb.stop()
import { fork } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

if (process.argv[2] === '--serve') {
  let delayMs = 0
  let requests = 0
  let connections = 0
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests++
      const answer = () => {
        res.writeHead(200, { 'x-amzn-RequestId': 'bench' })
        res.end()
      }
      if (delayMs > 0) setTimeout(answer, delayMs)
      else answer()
    })
  })
  server.keepAliveTimeout = 60_000
  server.on('connection', () => connections++)
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
  process.on('message', (m) => {
    if (m.set) delayMs = m.set.delayMs ?? delayMs
    process.send({ ack: m.id, requests, connections })
  })
  process.on('disconnect', () => process.exit(0))
}

export async function startLoopbackProcess() {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' })
  const port = await new Promise((resolve) => child.once('message', (m) => resolve(m.port)))
  let seq = 0
  const ask = (msg) =>
    new Promise((resolve) => {
      const id = ++seq
      const on = (m) => {
        if (m.ack === id) {
          child.off('message', on)
          resolve({ requests: m.requests, connections: m.connections })
        }
      }
      child.on('message', on)
      child.send({ ...msg, id })
    })
  return {
    endpoint: `http://127.0.0.1:${port}/prod`,
    set: (options) => ask({ set: options }),
    stats: () => ask({}),
    stop: () => child.disconnect(),
  }
}
