// Run by node.test.ts in its own process: connects, uses every timer the client has,
// closes, and must then exit by itself (a timer or socket left behind keeps it alive).
import { createClient } from '../../src/client/index.js'

const url = process.argv[2]!
const c = createClient(url, { keepaliveMs: 50, rotateAfterMs: 10_000, requestTimeoutMs: 60_000 })
await new Promise<void>((resolve) => c.on('open', () => resolve()))
console.log(JSON.stringify(await c.request('echo', { text: 'x' })))
const pending = c.request('slow', { ms: 5_000 }).catch((e: Error) => e.name)
c.send('echo', { text: 'queued or sent' })
c.close()
console.log(await pending)
