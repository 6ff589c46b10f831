import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { rawSocket, sdk, sleep, start } from './helpers.js'

// Connection churn through the local gateway: every way a connection ends (the client
// closes, drops the TCP connection, goes half-open and is idled out, is deleted through
// @connections), many at once. Each connection gets exactly one $connect and exactly one
// $disconnect, and the heap comes back near where it started once they are gone.

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

const WAVES = 6
const PER_WAVE = 100

describe('churn', () => {
  it(`${WAVES * PER_WAVE} connections ended every way: exactly one $disconnect each, heap back near its start`, async () => {
    const connects = new Map<string, number>()
    const disconnects = new Map<string, number>()
    const handler = async (event: any) => {
      const { eventType, connectionId } = event.requestContext
      if (eventType === 'CONNECT') connects.set(connectionId, (connects.get(connectionId) ?? 0) + 1)
      if (eventType === 'DISCONNECT') disconnects.set(connectionId, (disconnects.get(connectionId) ?? 0) + 1)
      return { statusCode: 200 }
    }
    const { gw } = await start({ handler, idleTimeoutMs: 400, logger: false })
    const client = sdk(gw.managementEndpoint)

    const wave = async () => {
      const opened = await Promise.all(
        Array.from({ length: PER_WAVE }, async (_, i) => {
          if (i % 4 === 3) return { kind: 'half-open' as const, raw: await rawSocket(gw.port) }
          const ws = new WebSocket(gw.url)
          ws.on('error', () => {})
          await new Promise<void>((resolve, reject) => {
            ws.once('open', () => resolve())
            ws.once('error', reject)
          })
          return { kind: (['close', 'drop', 'delete'] as const)[i % 4]!, ws }
        }),
      )
      const ids = gw.connections()
      await Promise.all(
        opened.map(async (c, i) => {
          if (c.kind === 'close') c.ws.close(1000, 'bye')
          else if (c.kind === 'drop') c.ws.terminate()
          else if (c.kind === 'delete') {
            // The id for this socket is not known client-side: delete any still-open one.
            const id = ids[i]
            if (id) await client.send(new DeleteConnectionCommand({ ConnectionId: id })).catch(() => {})
          }
          // half-open: never answers; the idle timeout closes it and the gateway cuts it.
        }),
      )
      for (const c of opened) if (c.kind !== 'half-open') c.ws.terminate()
      const until = Date.now() + 10_000
      while ((gw.connections().length > 0 || disconnects.size < connects.size) && Date.now() < until)
        await sleep(20)
      for (const c of opened) if (c.kind === 'half-open') c.raw.socket.destroy()
    }

    await wave() // warm up: JIT, SDK client, pools
    const before = heapAfterGc()
    for (let w = 1; w < WAVES; w++) await wave()
    await sleep(100)
    const after = heapAfterGc()

    expect(connects.size).toBe(WAVES * PER_WAVE)
    expect([...connects.values()].every((n) => n === 1)).toBe(true)
    expect(disconnects.size).toBe(connects.size)
    expect([...disconnects.entries()].filter(([, n]) => n !== 1)).toEqual([])
    expect([...connects.keys()].filter((id) => !disconnects.has(id))).toEqual([])
    expect(gw.connections()).toEqual([])
    // The maps above hold two entries per connection; beyond those, nothing per connection stays.
    expect(after - before).toBeLessThan(8 * 1024 * 1024)
  }, 60_000)
})
