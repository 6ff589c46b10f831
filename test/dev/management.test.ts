import { connect as netConnect } from 'node:net'
import {
  ForbiddenException,
  GetConnectionCommand,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { describe, expect, it } from 'vitest'
import { App, createStreamerClient } from '../../src/index.js'
import { connected, rawSocket, recorder, sdk, sleep, start } from './helpers.js'

// The @connections API on the gateway's port, driven by the real AWS SDK v3 client.

describe('@connections', () => {
  it('PostToConnection delivers one text frame', async () => {
    const { gw } = await start({ handler: recorder().handler })
    const c = await connected(gw.url)
    const [id] = gw.connections()
    const out = await sdk(gw.managementEndpoint).send(
      new PostToConnectionCommand({ ConnectionId: id, Data: 'hello' }),
    )
    expect(out.$metadata.httpStatusCode).toBe(200)
    expect(await c.next()).toEqual({ data: 'hello', binary: false })
  })

  it('delivers 100 KB as one message (split into 32 KB frames on the wire)', async () => {
    const { gw } = await start({ handler: recorder().handler })
    const c = await connected(gw.url)
    const [id] = gw.connections()
    const data = 'é'.repeat(50 * 1024) // two bytes each: frame splits land inside characters
    await sdk(gw.managementEndpoint).send(new PostToConnectionCommand({ ConnectionId: id, Data: data }))
    const message = await c.next()
    expect(message.binary).toBe(false)
    expect(message.data).toBe(data)
    expect(c.inbox).toEqual([])
  })

  it('splits posted data into frames of at most 32 KB on the wire', async () => {
    const { gw } = await start({ handler: recorder().handler })
    const raw = await rawSocket(gw.port)
    const [id] = gw.connections()
    await sdk(gw.managementEndpoint).send(
      new PostToConnectionCommand({ ConnectionId: id, Data: new Uint8Array(70 * 1024).fill(97) }),
    )
    const frames: Array<{ fin: boolean; opcode: number; length: number }> = []
    const until = Date.now() + 3000
    while (Date.now() < until) {
      frames.length = 0
      const wire = raw.received()
      let at = 0
      while (at + 2 <= wire.length) {
        const len7 = wire[at + 1]! & 0x7f
        const length = len7 === 126 ? wire.readUInt16BE(at + 2) : len7
        const header = len7 === 126 ? 4 : 2
        if (at + header + length > wire.length) break
        frames.push({ fin: (wire[at]! & 0x80) !== 0, opcode: wire[at]! & 0x0f, length })
        at += header + length
      }
      if (frames.at(-1)?.fin) break
      await sleep(10)
    }
    expect(frames).toEqual([
      { fin: false, opcode: 1, length: 32 * 1024 },
      { fin: false, opcode: 0, length: 32 * 1024 },
      { fin: true, opcode: 0, length: 6 * 1024 },
    ])
  })

  it('delivers bytes that are not UTF-8 as a binary frame', async () => {
    const { gw } = await start({ handler: recorder().handler })
    const c = await connected(gw.url)
    const [id] = gw.connections()
    await sdk(gw.managementEndpoint).send(
      new PostToConnectionCommand({ ConnectionId: id, Data: new Uint8Array([0xff, 0, 1]) }),
    )
    expect((await c.next()).binary).toBe(true)
  })

  it('GetConnection returns Dates and the identity', async () => {
    const { gw } = await start({ handler: recorder().handler })
    const before = Date.now()
    const c = await connected(gw.url, undefined, { headers: { 'User-Agent': 'agent/2' } })
    const [id] = gw.connections()
    const client = sdk(gw.managementEndpoint)
    const first = await client.send(new GetConnectionCommand({ ConnectionId: id }))
    expect(first.ConnectedAt).toBeInstanceOf(Date)
    expect(first.LastActiveAt).toBeInstanceOf(Date)
    expect(first.ConnectedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(first.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'agent/2' })
    await sleep(20)
    c.ws.send('activity')
    await sleep(50)
    const second = await client.send(new GetConnectionCommand({ ConnectionId: id }))
    expect(second.LastActiveAt!.getTime()).toBeGreaterThan(first.LastActiveAt!.getTime())
    expect(second.ConnectedAt!.getTime()).toBe(first.ConnectedAt!.getTime())
  })

  it('raw wire: camelCase ISO body, URL-decoded ids, 204 on delete, 410 with the error header and no body', async () => {
    const { gw } = await start({ handler: recorder().handler })
    await connected(gw.url)
    const [id] = gw.connections() as [string]
    const url = `${gw.managementEndpoint}/@connections/${encodeURIComponent(id)}`
    const got = await fetch(url)
    expect(got.status).toBe(200)
    const body = (await got.json()) as Record<string, string>
    expect(Object.keys(body).sort()).toEqual(['connectedAt', 'identity', 'lastActiveAt'])
    expect(body.connectedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    const deleted = await fetch(url, { method: 'DELETE' })
    expect(deleted.status).toBe(204)
    const gone = await fetch(url, { method: 'POST', body: 'x' })
    expect(gone.status).toBe(410)
    expect(gone.headers.get('x-amzn-errortype')).toBe('GoneException')
    expect(gone.headers.get('x-amzn-requestid')).toBeTruthy()
    expect(await gone.text()).toBe('')
  })

  it('raises typed GoneException for unknown and closed ids', async () => {
    const { gw } = await start({ handler: recorder().handler })
    const client = sdk(gw.managementEndpoint)
    const unknown = await client
      .send(new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }))
      .catch((e) => e)
    expect(unknown).toBeInstanceOf(GoneException)
    expect(unknown.$metadata.httpStatusCode).toBe(410)
    const c = await connected(gw.url)
    const [id] = gw.connections()
    c.ws.close()
    await c.closed
    await sleep(20)
    const closed = await client.send(new GetConnectionCommand({ ConnectionId: id })).catch((e) => e)
    expect(closed).toBeInstanceOf(GoneException)
  })

  it('raises ForbiddenException for a wrong stage or a malformed path', async () => {
    const { gw } = await start({ handler: recorder().handler })
    await connected(gw.url)
    const [id] = gw.connections()
    const wrongStage = await sdk(gw.httpUrl + '/prod')
      .send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' }))
      .catch((e) => e)
    expect(wrongStage).toBeInstanceOf(ForbiddenException)
    const noStage = await sdk(gw.httpUrl)
      .send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' }))
      .catch((e) => e)
    expect(noStage).toBeInstanceOf(ForbiddenException)
    const put = await fetch(`${gw.managementEndpoint}/@connections/${encodeURIComponent(id!)}`, {
      method: 'PUT',
    })
    expect(put.status).toBe(403)
    expect(await put.json()).toEqual({ message: 'Forbidden' })
    const badEscape = await fetch(`${gw.managementEndpoint}/@connections/%E0%A4%A`)
    expect(badEscape.status).toBe(403)
  })

  it('answers 403 to malformed @connections paths, which never reach the HTTP routes; the log has the path, not the query', async () => {
    const rec = recorder()
    const { gw, lines } = await start({ handler: rec.handler })
    await connected(gw.url)
    const id = encodeURIComponent(gw.connections()[0]!)
    for (const path of [
      `/dev//@connections/${id}`,
      `/dev/%40connections/${id}`,
      `/dev/%40Connections/${id}`.replace('Connections', 'connections'),
      `//dev/@connections/${id}`,
      `/dev/x/@connections/${id}`,
      `/dev/@connections//${id}`,
      `/%40connections/${id}`,
    ]) {
      const res = await fetch(`${gw.httpUrl}${path}?token=secret-in-query`, { method: 'POST', body: 'x' })
      expect([path, res.status]).toEqual([path, 403])
      expect(res.headers.get('x-amzn-errortype')).toBe('ForbiddenException')
      expect(await res.json()).toEqual({ message: 'Forbidden' })
    }
    expect(rec.events.filter((e) => e.httpMethod)).toEqual([])
    const manage = lines.filter((l) => l.includes('ForbiddenException'))
    expect(manage.length).toBeGreaterThanOrEqual(7)
    for (const line of manage) expect(line).not.toContain('secret-in-query')
  })

  it('raises PayloadTooLargeException over 128 KB', async () => {
    const { gw } = await start({ handler: recorder().handler })
    const c = await connected(gw.url)
    const [id] = gw.connections()
    const client = sdk(gw.managementEndpoint)
    const error = await client
      .send(new PostToConnectionCommand({ ConnectionId: id, Data: new Uint8Array(128 * 1024 + 1).fill(65) }))
      .catch((e) => e)
    expect(error).toBeInstanceOf(PayloadTooLargeException)
    await client.send(
      new PostToConnectionCommand({ ConnectionId: id, Data: new Uint8Array(128 * 1024).fill(66) }),
    )
    expect((await c.next()).data).toHaveLength(128 * 1024)
    // A body far past the limit is refused without being buffered, with the same answer.
    const huge = await fetch(`${gw.managementEndpoint}/@connections/${encodeURIComponent(id!)}`, {
      method: 'POST',
      body: new Uint8Array(2 * 1024 * 1024),
    })
    expect(huge.status).toBe(413)
    expect(huge.headers.get('x-amzn-errortype')).toBe('PayloadTooLargeException')
  })

  it('raises LimitExceededException when the client does not read', async () => {
    const { gw } = await start({ handler: recorder().handler, sendBufferLimitBytes: 64 * 1024 })
    // A client that stops reading: its socket is paused, so the gateway's send buffer fills.
    const raw = await rawSocket(gw.port)
    raw.socket.pause()
    const [id] = gw.connections()
    const client = sdk(gw.managementEndpoint)
    const chunk = new Uint8Array(100 * 1024).fill(67)
    let throttled: unknown
    for (let i = 0; i < 400 && !throttled; i++) {
      throttled = await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: chunk })).then(
        () => undefined,
        (e) => e,
      )
    }
    expect(throttled).toBeInstanceOf(LimitExceededException)
    expect((throttled as LimitExceededException).$metadata.httpStatusCode).toBe(429)
    expect(gw.connections()).toEqual([id])
  })

  it('handlers reach the gateway through ws.send() with no configuration', async () => {
    const app = new App({ logLevel: 'silent' })
    app.webSocket('$default', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.sendJSON({ echo: ws.text(), info: (await ws.info()).sourceIp })
    })
    const { gw } = await start({ handler: app.handler })
    const c = await connected(gw.url)
    c.ws.send('ping')
    expect(JSON.parse((await c.next()).data)).toEqual({ echo: 'ping', info: '127.0.0.1' })
  })

  it('in-process by default, over HTTP with inProcessManagement: false: same answers either way', async () => {
    const app = new App({ logLevel: 'silent' })
    app.webSocket('$default', async (ctx) => {
      const ws = ctx.asWebSocket()
      await ws.send(`self:${ws.text()}`)
      // A gone id gives the same typed error on both paths.
      const client = createStreamerClient({ endpoint: ws.managementEndpoint })
      const gone = await client.postToConnection('R1kmxc2VNjMCFIA=', 'x').then(
        () => 'sent',
        (e: Error) => e.name,
      )
      await ws.send(gone)
    })
    for (const inProcessManagement of [true, false]) {
      const { gw, lines } = await start({ handler: app.handler, inProcessManagement })
      const c = await connected(gw.url)
      c.ws.send('hi')
      expect((await c.next()).data).toBe('self:hi')
      expect((await c.next()).data).toBe('GoneError')
      const manage = lines.filter((l) => l.includes('MANAGE'))
      expect(manage.length).toBe(3)
      for (const line of manage) {
        if (inProcessManagement) expect(line).toMatch(/in-process/)
        else expect(line).toMatch(/@connections/)
      }
      await gw.close()
    }
  })

  it('a call past its deadline sends nothing on either path', async () => {
    for (const inProcessManagement of [true, false]) {
      const { gw } = await start({ handler: async () => ({ statusCode: 200 }), inProcessManagement })
      const c = await connected(gw.url)
      const id = gw.connections()[0]!
      const client = createStreamerClient({ endpoint: gw.managementEndpoint, region: 'us-east-1' })
      const late = { deadline: Date.now() - 1 }
      await expect(client.postToConnection(id, 'late', late)).rejects.toMatchObject({
        name: 'StreamerTimeoutError',
      })
      const b = await client.broadcast([id], 'late', late)
      expect([b.sent, b.failed.map((f) => f.error.name)]).toEqual([[], ['StreamerTimeoutError']])
      await client.postToConnection(id, 'on time')
      expect((await c.next()).data).toBe('on time')
      await gw.close()
    }
  })

  it('in-process, the frame holds a copy: a caller may reuse its buffer once the post resolves', async () => {
    const { gw } = await start({
      handler: async () => ({ statusCode: 200 }),
      sendBufferLimitBytes: 256 * 1024 * 1024,
    })
    const c = await connected(gw.url)
    // The client stops reading, so frames wait in the gateway's socket buffer.
    const tcp = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
    tcp.pause()
    const id = gw.connections()[0]!
    const client = createStreamerClient({ endpoint: gw.managementEndpoint, region: 'us-east-1' })
    const filler = new Uint8Array(120_000).fill(0x61)
    for (let i = 0; i < 80; i++) await client.postToConnection(id, filler)
    const reused = new TextEncoder().encode('first message')
    await client.postToConnection(id, reused)
    reused.set(new TextEncoder().encode('OVERWRITTEN!!'))
    await client.postToConnection(id, reused)
    tcp.resume()
    const small: string[] = []
    while (small.length < 2) {
      const m = await c.next()
      if (m.data.length < 100) small.push(m.data)
    }
    expect(small).toEqual(['first message', 'OVERWRITTEN!!'])
  })

  it('never goes down on garbage', async () => {
    const { gw } = await start({ handler: recorder().handler })
    const responses = await Promise.all([
      fetch(`${gw.managementEndpoint}/@connections/`, { method: 'POST' }),
      fetch(`${gw.managementEndpoint}/@connections`, { method: 'GET' }),
      fetch(`${gw.managementEndpoint}/@connections/a/b`, { method: 'DELETE' }),
      fetch(`${gw.managementEndpoint}/@connections/${'%ZZ'.repeat(3)}`),
      fetch(`${gw.managementEndpoint}/@connections/nope`, { method: 'GET' }),
    ])
    expect(responses.map((r) => r.status)).toEqual([403, 403, 403, 403, 410])
    // Not HTTP at all: a 400, and the socket is closed.
    const junk = netConnect(gw.port, '127.0.0.1')
    junk.write('\x00\x01garbage\r\n\r\n')
    const answer = await new Promise<string>((resolve) => {
      let text = ''
      junk.on('data', (d) => (text += d))
      junk.on('close', () => resolve(text))
    })
    expect(answer).toMatch(/^HTTP\/1\.1 400/)
    // A post whose client vanishes mid-body.
    const cut = netConnect(gw.port, '127.0.0.1')
    cut.write(
      `POST /dev/@connections/abc HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nContent-Length: 1000\r\n\r\npartial`,
    )
    await sleep(30)
    cut.destroy()
    const c = await connected(gw.url)
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })
})
