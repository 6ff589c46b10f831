import { DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
import { describe, expect, it } from 'vitest'
import { connected, rawSocket, recorder, sdk, sleep, start } from './helpers.js'

// $disconnect fires on every close, with the code and reason AWS reports (semantics page, section 5).

async function disconnectOf(rec: ReturnType<typeof recorder>) {
  const event = await rec.waitFor((e) => e.requestContext.eventType === 'DISCONNECT')
  return event
}

describe('$disconnect', () => {
  it('a client close without a code: 1005 Client-side close frame status not set', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const c = await connected(gw.url)
    c.ws.close()
    const event = await disconnectOf(rec)
    expect(event.requestContext.disconnectStatusCode).toBe(1005)
    expect(event.requestContext.disconnectReason).toBe('Client-side close frame status not set')
    expect(event.requestContext.routeKey).toBe('$disconnect')
    expect(event.headers).toEqual({
      Host: `127.0.0.1:${gw.port}`,
      'x-api-key': '',
      'X-Forwarded-For': '',
      'x-restapi': '',
    })
    expect(event).not.toHaveProperty('body')
    expect(gw.connections()).toEqual([])
  })

  it('a client close with a code: that code and reason', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const c = await connected(gw.url)
    c.ws.close(4001, 'bye now')
    const event = await disconnectOf(rec)
    expect(event.requestContext.disconnectStatusCode).toBe(4001)
    expect(event.requestContext.disconnectReason).toBe('bye now')
  })

  it('a dropped TCP connection: 1006', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const raw = await rawSocket(gw.port)
    raw.socket.destroy()
    const event = await disconnectOf(rec)
    expect(event.requestContext.disconnectStatusCode).toBe(1006)
    expect(gw.connections()).toEqual([])
  })

  it('DeleteConnection: 1000 Connection Closed Normally, on both sides', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const c = await connected(gw.url)
    const [id] = gw.connections()
    const out = await sdk(gw.managementEndpoint).send(new DeleteConnectionCommand({ ConnectionId: id }))
    expect(out.$metadata.httpStatusCode).toBe(204)
    expect(await c.closed).toEqual({ code: 1000, reason: 'Connection Closed Normally' })
    const event = await disconnectOf(rec)
    expect(event.requestContext.disconnectStatusCode).toBe(1000)
    expect(event.requestContext.disconnectReason).toBe('Connection Closed Normally')
  })

  it('idle timeout: 1001 Going away; client messages keep the connection alive', async () => {
    const rec = recorder()
    // Sleeps well under the idle timeout, so a loaded CI machine's stalls do not fire it early.
    const { gw } = await start({ handler: rec.handler, idleTimeoutMs: 600 })
    const c = await connected(gw.url)
    for (let i = 0; i < 4; i++) {
      await sleep(100)
      c.ws.send('still here')
    }
    expect(gw.connections()).toHaveLength(1)
    const t0 = Date.now()
    expect(await c.closed).toEqual({ code: 1001, reason: 'Going away' })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400)
    const event = await disconnectOf(rec)
    expect(event.requestContext.disconnectStatusCode).toBe(1001)
    expect(event.requestContext.disconnectReason).toBe('Going away')
  })

  it('a half-open client (never answers the close frame): $disconnect follows the idle close promptly, not after 30 s', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler, idleTimeoutMs: 300 })
    const raw = await rawSocket(gw.port)
    expect(raw.head).toMatch(/^HTTP\/1\.1 101 /)
    // The client stops answering: it reads (TCP stays up) but sends no close frame back.
    const started = Date.now()
    const event = await rec.waitFor((e) => e.requestContext.eventType === 'DISCONNECT', 5000)
    expect(Date.now() - started).toBeLessThan(4000)
    expect(event.requestContext.disconnectStatusCode).toBe(1001)
    expect(event.requestContext.disconnectReason).toBe('Going away')
    await raw.closed
  })

  it('idle timeout: posts to the client count as activity, pings do not', async () => {
    const { gw } = await start({ handler: recorder().handler, idleTimeoutMs: 600 })
    const c = await connected(gw.url)
    const [id] = gw.connections()
    const client = sdk(gw.managementEndpoint)
    for (let i = 0; i < 4; i++) {
      await sleep(100)
      await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'tick' }))
    }
    expect(gw.connections()).toEqual([id])
    const pinger = setInterval(() => c.ws.readyState === c.ws.OPEN && c.ws.ping(), 40)
    const t0 = Date.now()
    const closed = await c.closed
    clearInterval(pinger)
    // Closing at all, under pings every 40 ms, is the proof that pings are not activity.
    expect(closed.code).toBe(1001)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400)
  })

  it('lifetime: 1001 Going away even when busy', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler, lifetimeMs: 300 })
    const c = await connected(gw.url)
    const t0 = Date.now()
    const busy = setInterval(() => c.ws.readyState === c.ws.OPEN && c.ws.send('busy'), 50)
    const closed = await c.closed
    clearInterval(busy)
    expect(closed).toEqual({ code: 1001, reason: 'Going away' })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250)
    expect((await disconnectOf(rec)).requestContext.disconnectStatusCode).toBe(1001)
  })

  it('refuses a timer longer than Node can set, rather than firing it at once', async () => {
    const handler = recorder().handler
    const hours1000 = 1000 * 3_600_000
    for (const name of ['idleTimeoutMs', 'lifetimeMs', 'integrationTimeoutMs'])
      await expect(start({ handler, [name]: hours1000 })).rejects.toThrow(
        `${name} must be at most 2147483647 ms`,
      )
    const { gw } = await start({ handler, idleTimeoutMs: 2_147_483_647 })
    await connected(gw.url)
    await sleep(30)
    expect(gw.connections()).toHaveLength(1)
  })

  it('fires after the connection’s pending messages', async () => {
    const order: string[] = []
    const { gw } = await start({
      routes: {
        $default: async (event: any) => {
          await sleep(50)
          order.push(event.body)
        },
        $disconnect: async () => {
          order.push('$disconnect')
        },
      },
    })
    const c = await connected(gw.url)
    c.ws.send('a')
    c.ws.send('b')
    c.ws.close()
    while (order.length < 3) await sleep(10)
    expect(order).toEqual(['a', 'b', '$disconnect'])
  })

  it('gw.close() closes every socket with 1001 and waits for $disconnect', async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler })
    const a = await connected(gw.url)
    const b = await connected(gw.url)
    await gw.close()
    expect(rec.events.filter((e) => e.requestContext.eventType === 'DISCONNECT')).toHaveLength(2)
    expect((await a.closed).code).toBe(1001)
    expect((await b.closed).code).toBe(1001)
    await expect(fetch(gw.httpUrl)).rejects.toThrow()
  })

  it('a crashing $disconnect handler is logged and harmless', async () => {
    const { gw, waitForLine } = await start({
      routes: {
        $disconnect: async () => {
          throw new Error('cleanup failed')
        },
      },
    })
    const c = await connected(gw.url)
    c.ws.close(1000)
    await waitForLine(/DISCONNECT.*cleanup failed/)
    await connected(gw.url)
    expect(gw.connections()).toHaveLength(1)
  })
})
