import { request } from 'node:http'
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
import { describe, expect, it } from 'vitest'
import { App, MemoryConnectionStore } from '../../../src/index.js'
import { client, connected, refused, sdk, sleep, start } from '../helpers.js'
import { app, handler } from './fixtures/app.js'
import { api, runSnippet } from './helpers.js'

// The inspector's JSON face over a real gateway, real `ws` clients and the fixture App.

async function gateway(inspector: object | boolean = { appImport: './app.js' }) {
  const s = await start({ handler, routeResponses: ['echo'], inspector: inspector as any })
  const base = s.gw.inspectorUrl!
  return { ...s, base }
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const hit = await probe()
    if (hit !== undefined) return hit
    await sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const find = async (base: string, pred: (e: any) => boolean) =>
  until(async () => (await api(base, 'GET', '/state')).data.events.find(pred), 'an event')

describe('inspector API', () => {
  it('is off unless asked for: /_socketeer/ is then an HTTP route like any other', async () => {
    const { gw } = await start({ handler })
    expect(gw.inspectorUrl).toBeUndefined()
    const res = await fetch(`${gw.httpUrl}/_socketeer/api/state`)
    expect(res.status).not.toBe(200)
  })

  it('serves the page, with its favicon inline', async () => {
    const { base } = await gateway()
    const res = await fetch(base)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const html = await res.text()
    expect(html).toContain('socketeer inspector')
    expect(html).toContain('rel="icon" href="data:')
    // The default ring: 500 records, bodies up to 64 KB (docs/inspector.md).
    expect((await api(base, 'GET', '/state')).data.limits).toEqual({ maxEvents: 500, maxBodyBytes: 65_536 })
  })

  it('records connections, messages with their Lambda event and result, and the @connections calls they made', async () => {
    const { base, gw } = await gateway()
    // Calls name their caller while a page is open (the stream is what the page keeps open).
    const page = await fetch(`${base}api/stream`)
    const a = await connected(`${gw.url}?room=1`, undefined, { headers: { 'User-Agent': 'alice-agent' } })
    const b = await connected(gw.url)
    const [idA, idB] = gw.connections() as [string, string]
    a.ws.send(JSON.stringify({ action: 'tell', to: idB, text: 'hi bob' }))
    expect(JSON.parse((await b.next()).data)).toEqual({ from: idA, text: 'hi bob' })

    const tell = await find(base, (e) => e.kind === 'MESSAGE' && e.route === 'tell')
    expect(tell).toMatchObject({ connectionId: idA, status: 200, fn: 'tell', replayable: true })
    const detail = (await api(base, 'GET', `/events/${tell.seq}`)).data
    expect(detail.event.requestContext).toMatchObject({
      routeKey: 'tell',
      connectionId: idA,
      eventType: 'MESSAGE',
    })
    expect(JSON.parse(detail.event.body)).toEqual({ action: 'tell', to: idB, text: 'hi bob' })
    expect(detail.result).toEqual({ statusCode: 200 })
    expect(detail.calls).toHaveLength(1)
    expect(detail.calls[0]).toMatchObject({
      kind: 'MANAGE',
      connectionId: idB,
      status: 200,
      caller: tell.invocation,
    })
    expect(JSON.parse(detail.calls[0].data.text)).toEqual({ from: idA, text: 'hi bob' })
    // The call names its caller.
    const call = (await api(base, 'GET', `/events/${detail.calls[0].seq}`)).data
    expect(call.callerSeq).toBe(tell.seq)

    const conns = (await api(base, 'GET', '/connections')).data
    const rowA = conns.find((c: any) => c.id === idA)
    expect(rowA).toMatchObject({
      userAgent: 'alice-agent',
      query: { room: '1' },
      messagesIn: 1,
      sourceIp: '127.0.0.1',
    })
    expect(conns.find((c: any) => c.id === idB)).toMatchObject({ messagesOut: 1 })

    // A route response is counted as sent and shown.
    b.ws.send(JSON.stringify({ action: 'echo', n: 1 }))
    await b.next()
    const echo = await find(base, (e) => e.route === 'echo')
    expect((await api(base, 'GET', `/events/${echo.seq}`)).data.data.text).toBe('{"action":"echo","n":1}')

    // A failing handler: the error and its stack.
    a.ws.send(JSON.stringify({ action: 'boom' }))
    const boom = await find(base, (e) => e.route === 'boom')
    const boomDetail = (await api(base, 'GET', `/events/${boom.seq}`)).data
    expect(boomDetail.status).toBe(502)
    expect(boomDetail.errorDetail.message).toBe('Error: boom on purpose')
    expect(boomDetail.errorDetail.stack).toContain('fixtures/app.ts')

    // With no page open the call still names its caller: the App passes its request id.
    await page.body!.cancel()
    await sleep(50)
    a.ws.send(JSON.stringify({ action: 'tell', to: idB, text: 'unwatched' }))
    await b.next()
    const unwatched = await find(base, (e) => e.kind === 'MANAGE' && e.seq > boom.seq)
    const unwatchedTell = await find(base, (e) => e.route === 'tell' && e.seq > boom.seq)
    expect(unwatched.caller).toBe(unwatchedTell.invocation)
    const unwatchedDetail = (await api(base, 'GET', `/events/${unwatchedTell.seq}`)).data
    expect(unwatchedDetail.tracked).toBe(true)
    expect(unwatchedDetail.calls.map((c: any) => c.seq)).toEqual([unwatched.seq])
  })

  it("shows groups and attributes from the App's connection registry", async () => {
    const registryApp = new App({ logLevel: 'silent', connections: new MemoryConnectionStore() })
    registryApp.webSocket('$connect', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.setAttributes({ name: ws.query.name })
      await ws.join('room-1')
    })
    const { gw } = await start({ handler: registryApp.handler, inspector: true })
    await connected(`${gw.url}?name=carol`)
    const [id] = gw.connections() as [string]
    const conns = (await api(gw.inspectorUrl!, 'GET', '/connections')).data
    expect(conns.find((c: any) => c.id === id)).toMatchObject({
      groups: ['room-1'],
      attributes: { name: 'carol' },
    })
  })

  it('records authorizer runs (their context on the connection), refused handshakes and HTTP requests', async () => {
    const authApp = new App({ logLevel: 'silent' })
    authApp.authorizer((ctx, event: any) => {
      if (event.queryStringParameters?.token !== 'good') return ctx.reject(403)
      return { principalId: 'user-1', context: { plan: 'pro' } }
    })
    authApp.get('/hello', (ctx) => ctx.json({ hi: ctx.req.query.who ?? 'there' }))
    const { gw } = await start({ handler: authApp.handler, inspector: true })
    const base = gw.inspectorUrl!
    await connected(`${gw.url}?token=good`)
    const [id] = gw.connections() as [string]
    await refused(`${gw.url}?token=bad`)
    await fetch(`${gw.httpUrl}/hello?who=inspector`)

    const conns = (await api(base, 'GET', '/connections')).data
    expect(conns.find((c: any) => c.id === id).authorizer).toMatchObject({
      principalId: 'user-1',
      plan: 'pro',
    })
    const denied = await find(base, (e) => e.kind === 'AUTHORIZE' && e.status === 403)
    const deniedDetail = (await api(base, 'GET', `/events/${denied.seq}`)).data
    expect(deniedDetail.event).toMatchObject({ type: 'REQUEST', queryStringParameters: { token: 'bad' } })
    expect(deniedDetail.result.policyDocument.Statement[0].Effect).toBe('Deny')
    const http = await find(base, (e) => e.kind === 'HTTP' && e.route === 'GET /hello')
    const httpDetail = (await api(base, 'GET', `/events/${http.seq}`)).data
    expect(httpDetail.event).toMatchObject({ httpMethod: 'GET', path: '/hello' })
    expect(JSON.parse(httpDetail.result.body)).toEqual({ hi: 'inspector' })
    // The inspector's own requests are not on its timeline.
    const state = (await api(base, 'GET', '/state')).data
    expect(state.events.some((e: any) => (e.route ?? '').includes('_socketeer'))).toBe(false)
  })

  it('posts to and disconnects a connection; unknown ids and huge bodies get a clear answer', async () => {
    const { base, gw } = await gateway()
    const a = await connected(gw.url)
    const [id] = gw.connections() as [string]
    const posted = await api(base, 'POST', `/connections/${id}/messages`, 'from the inspector')
    expect(posted.status).toBe(200)
    expect((await a.next()).data).toBe('from the inspector')

    const gone = await api(base, 'POST', '/connections/AAAAAAAAAAAAAAA=/messages', 'x')
    expect(gone.status).toBe(410)
    expect(gone.data.message).toMatch(/No open connection AAAAAAAAAAAAAAA=/)
    const big = await api(base, 'POST', `/connections/${id}/messages`, 'x'.repeat(300 * 1024))
    expect(big.status).toBe(413)
    expect(big.data.message).toMatch(/over 131072 bytes/)
    const bigger = await api(base, 'POST', `/connections/${id}/messages`, 'x'.repeat(129 * 1024))
    expect(bigger.status).toBe(413)

    const dropped = await api(base, 'DELETE', `/connections/${id}`)
    expect(dropped.status).toBe(200)
    expect(await a.closed).toEqual({ code: 1000, reason: 'Connection Closed Normally' })
    const row = await until(async () => {
      const conns = (await api(base, 'GET', '/connections')).data
      return conns.find((c: any) => c.id === id && c.close)
    }, 'the closed row')
    expect(row.close.code).toBe(1000)
    expect((await api(base, 'DELETE', `/connections/${id}`)).status).toBe(410)
    // The gateway is unharmed.
    const b = await connected(gw.url)
    b.ws.send('still here')
    expect((await b.next()).data).toBe('default: still here')
  })

  it('replays an event, says so when the handlers were reloaded since, and refuses what it cannot replay', async () => {
    const { base, gw } = await gateway()
    const a = await connected(gw.url)
    a.ws.send('first')
    expect((await a.next()).data).toBe('default: first')
    const first = await find(base, (e) => e.route === '$default')
    const again = await api(base, 'POST', `/events/${first.seq}/replay`)
    expect(again.status).toBe(200)
    expect(again.data.note).toBeUndefined()
    expect((await a.next()).data).toBe('default: first')

    // Reloaded: the current code runs, and the answer says so.
    gw.update({ handler: async (event: any) => ({ statusCode: 201, body: event.body }) })
    const later = await api(base, 'POST', `/events/${first.seq}/replay`)
    expect(later.data.note).toMatch(/reloaded since #\d+: it ran against the current code/)
    const replayed = (await api(base, 'GET', `/events/${later.data.seq}`)).data
    expect(replayed).toMatchObject({ status: 201, detail: `replay of #${first.seq} (after a reload)` })

    // The route is gone after another reload: a clear refusal.
    gw.update({ routes: { other: async () => ({ statusCode: 200 }) } })
    const none = await api(base, 'POST', `/events/${first.seq}/replay`)
    expect(none.status).toBe(409)
    expect(none.data.message).toMatch(/Nothing serves \$default any more/)
    expect((await api(base, 'POST', '/events/999999/replay')).status).toBe(404)
    expect((await api(base, 'POST', '/events/nope/replay')).data.message).toMatch(/Not an event number/)
  })

  it('replays an HTTP request through the route function that handled it, not the main handler', async () => {
    const ran: string[] = []
    const fnOf = (name: string) => async (event: any) => {
      ran.push(`${name} ${event.httpMethod} ${event.path}`)
      return { statusCode: 200, body: name }
    }
    const { gw } = await start({
      handler: fnOf('main'),
      httpRoutes: [
        { method: 'POST', path: '/orders', handler: fnOf('orders') },
        { method: 'GET', path: '/items/{id}', handler: fnOf('items') },
      ],
      inspector: true,
    })
    const base = gw.inspectorUrl!
    expect(await (await fetch(`${gw.httpUrl}/orders`, { method: 'POST', body: '{}' })).text()).toBe('orders')
    expect(await (await fetch(`${gw.httpUrl}/items/7`)).text()).toBe('items')
    expect(await (await fetch(`${gw.httpUrl}/other`)).text()).toBe('main')
    const orders = await find(base, (e) => e.kind === 'HTTP' && e.route === 'POST /orders')
    const items = await find(base, (e) => e.kind === 'HTTP' && e.route === 'GET /items/7')
    const other = await find(base, (e) => e.kind === 'HTTP' && e.route === 'GET /other')
    expect([orders.fn, items.fn, other.fn]).toEqual(['http POST /orders', 'http GET /items/{id}', 'http'])
    ran.length = 0
    for (const e of [orders, items, other])
      expect((await api(base, 'POST', `/events/${e.seq}/replay`)).status).toBe(200)
    expect(ran).toEqual(['orders POST /orders', 'items GET /items/7', 'main GET /other'])
    const replayed = (await api(base, 'GET', '/state')).data.events.slice(-3)
    expect(replayed.map((e: any) => e.fn)).toEqual(['http POST /orders', 'http GET /items/{id}', 'http'])

    // Reloaded without that route: a clear refusal, not the main handler.
    gw.update({ handler: fnOf('main') })
    const gone = await api(base, 'POST', `/events/${orders.seq}/replay`)
    expect(gone.status).toBe(409)
    expect(gone.data.message).toMatch(/Nothing serves http POST \/orders any more/)
    expect(ran).toHaveLength(3)
  })

  it('keeps a bounded ring and cuts bodies at the limit', async () => {
    const { base, gw } = await gateway({ maxEvents: 10, maxBodyBytes: 100 })
    const a = await connected(gw.url)
    for (let i = 0; i < 30; i++) a.ws.send(`m${i}`)
    for (let i = 0; i < 30; i++) await a.next()
    a.ws.send('y'.repeat(500))
    await a.next()
    const big = await find(base, (e) => e.bytes === 500)
    const state = (await api(base, 'GET', '/state')).data
    expect(state.events.length).toBeLessThanOrEqual(10)
    expect(state.limits).toEqual({ maxEvents: 10, maxBodyBytes: 100 })
    const detail = (await api(base, 'GET', `/events/${big.seq}`)).data
    expect(detail.event.body).toHaveLength(100)
    expect(detail.cut['event.body']).toBe(500)
    const replay = await api(base, 'POST', `/events/${big.seq}/replay`)
    expect(replay.status).toBe(409)
    expect(replay.data.message).toMatch(/cut at 100/)
    expect((await api(base, 'GET', '/events/1')).status).toBe(404)
  })

  it('streams every record once and in order, in batches, even when more arrive than the ring holds between two flushes', async () => {
    const { base, gw } = await gateway({ maxEvents: 8 })
    const stop = new AbortController()
    const res = await fetch(`${base}api/stream?after=0`, { signal: stop.signal })
    const decoder = new TextDecoder()
    let text = ''
    const reading = (async () => {
      for await (const chunk of res.body as any) text += decoder.decode(chunk, { stream: true })
    })().catch(() => {})
    const a = await connected(gw.url)
    // 40 frames at once: 80+ records, ten rings' worth, inside one 50 ms flush interval.
    for (let i = 0; i < 40; i++) a.ws.send(`n${i}`)
    for (let i = 0; i < 40; i++) await a.next()
    const last = await until(async () => {
      const seq = (await api(base, 'GET', '/state')).data.lastSeq
      return text.includes(`"seq":${seq},`) ? seq : undefined
    }, 'the last record on the stream')
    const batches = text.split('\n\n').filter((m) => m.startsWith('data: '))
    const seqs = batches.flatMap((m) => JSON.parse(m.slice(6)).map((e: any) => e.seq))
    expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1))
    expect(text).not.toContain('event: gap')
    expect(batches.length).toBeLessThan(last)
    stop.abort()
    await reading
  })

  it('streams new records as server-sent events', async () => {
    const { base, gw } = await gateway()
    const res = await fetch(`${base}api/stream?after=0`)
    const reader = res.body!.getReader()
    const a = await connected(gw.url)
    a.ws.send('over the stream')
    let text = ''
    const end = Date.now() + 3000
    while (!text.includes('"route":"$default"') && Date.now() < end) {
      const { value } = await reader.read()
      text += new TextDecoder().decode(value)
    }
    expect(text).toContain('"kind":"CONNECT"')
    expect(text).toContain('"route":"$default"')
    await reader.cancel()
  })

  it('answers this machine only: a foreign Host (DNS rebinding) or Origin is refused', async () => {
    const { base, gw } = await gateway()
    const raw = (headers: Record<string, string>, method = 'GET', path = '/_socketeer/api/state') =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: gw.port, path, method, headers }, (res) => {
          res.resume()
          resolve(res.statusCode!)
        })
        req.on('error', reject)
        req.end()
      })
    expect(await raw({ host: `localhost:${gw.port}` })).toBe(200)
    expect(await raw({ host: `rebind.attacker.example:${gw.port}` })).toBe(403)
    expect(
      await raw(
        { host: `127.0.0.1:${gw.port}`, origin: 'http://evil.example' },
        'DELETE',
        '/_socketeer/api/connections/x',
      ),
    ).toBe(403)
    expect((await api(base, 'GET', '/nothing')).status).toBe(404)
  })

  it('a name the gateway allows for a tunnel reaches the app, not the inspector', async () => {
    const { gw } = await start({ handler, inspector: true, allowedHosts: ['tunnel.example'] })
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: gw.port, path, headers: { host: 'tunnel.example' } },
          (res) => {
            res.resume()
            resolve(res.statusCode!)
          },
        )
        req.on('error', reject)
        req.end()
      })
    expect(await status('/dev/@connections/AAAAAAAAAAAAAAA=')).toBe(410)
    expect(await status('/_socketeer/api/state')).toBe(403)
  })

  it('copies an exchange as a vitest test that passes when written to a file', async () => {
    const { base, gw } = await gateway()
    const page = await fetch(`${base}api/stream`)
    const a = await connected(gw.url, undefined, { headers: { 'User-Agent': 'copy-agent' } })
    const b = await connected(gw.url)
    const [, idB] = gw.connections() as [string, string]
    a.ws.send(JSON.stringify({ action: 'tell', to: idB, text: 'copied' }))
    await b.next()
    const tell = await find(base, (e) => e.route === 'tell')
    const snippet = await api(base, 'GET', `/events/${tell.seq}/test`)
    expect(snippet.status).toBe(200)
    expect(snippet.data).toContain("import { events, FakeStreamer, invoke } from 'socketeer/testkit'")
    expect(snippet.data).toContain(`fake.connect(${JSON.stringify(idB)})`)
    const run = await runSnippet('tell', snippet.data)
    expect(run.code, run.output).toBe(0)
    expect(run.output).toMatch(/1 passed/)

    // The same file fails when the App does something else: the test is not vacuous.
    // (The first occurrence is the event's body; the expected payload still says "copied".)
    const broken = (snippet.data as string).replace('\\"copied\\"', '\\"changed\\"')
    expect(broken).not.toBe(snippet.data)
    const failing = await runSnippet('tell-broken', broken)
    expect(failing.code).not.toBe(0)

    // A call that names no invocation (the SDK over HTTP) while an event runs: that
    // event's own calls are not all known, and its test says so and still runs.
    await page.body!.cancel()
    a.ws.send(JSON.stringify({ action: 'wait', ms: 400 }))
    await sleep(100)
    await sdk(gw.managementEndpoint).send(
      new PostToConnectionCommand({ ConnectionId: idB, Data: new TextEncoder().encode('from outside') }),
    )
    expect((await b.next()).data).toBe('from outside')
    const later = await find(base, (e) => e.route === 'wait' && e.seq > tell.seq)
    const laterDetail = (await api(base, 'GET', `/events/${later.seq}`)).data
    expect(laterDetail.tracked).toBe(false)
    const loose = (await api(base, 'GET', `/events/${later.seq}/test`)).data as string
    expect(loose).toContain('new FakeStreamer({ strict: false })')
    expect(loose).not.toMatch(/^ *fake\.assertCalls\(/m)
    const looseRun = await runSnippet('tell-untracked', loose)
    expect(looseRun.code, looseRun.output).toBe(0)
    void app
    void client
  }, 90_000)
})
