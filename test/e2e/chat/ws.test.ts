import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type Gateway, startChat, until } from './harness.js'

// The chat example on the real local gateway, driven by real `ws` clients.

describe('chat example over the local gateway (ws client)', () => {
  let gw: Gateway
  let alice: Client
  let bob: Client

  beforeAll(async () => {
    ;({ gw } = await startChat())
    alice = await Client.open(`${gw.url}?name=alice`)
    bob = await Client.open(`${gw.url}?name=bob`)
  })
  afterAll(async () => {
    await alice?.close()
    await bob?.close()
    await gw?.close()
  })

  it('tells the others who joined ($connect reads ?name= and broadcasts)', async () => {
    const joined = await alice.nextOf('presence', { event: 'joined', name: 'bob' })
    expect(joined.online).toBe(2)
    // Bob was still connecting when that went out: the gateway must not deliver it to him.
    expect(bob.frames.some((f) => f.json?.type === 'presence' && f.json.name === 'bob')).toBe(false)
  })

  it('answers whoami through the route response with this connection', async () => {
    alice.send({ action: 'whoami' })
    const me = await alice.nextOf('whoami')
    expect(me.name).toBe('alice')
    expect(me.connectionId).toMatch(/^[A-Za-z0-9+/_-]{15}=$/)
    expect(gw.connections()).toContain(me.connectionId)
    expect(me.sourceIp).toBe('127.0.0.1')
    expect(me.online).toBe(2)
    bob.send({ action: 'whoami' })
    const him = await bob.nextOf('whoami')
    expect(him.name).toBe('bob')
    expect(him.connectionId).not.toBe(me.connectionId)
    expect(new Set(gw.connections())).toEqual(new Set([me.connectionId, him.connectionId]))
  })

  it('broadcasts a message to everyone, the sender included', async () => {
    bob.send({ action: 'sendmessage', message: 'hello from bob' })
    const atAlice = await alice.nextOf('message', { text: 'hello from bob' })
    const atBob = await bob.nextOf('message', { text: 'hello from bob' })
    expect(atAlice.from).toBe('bob')
    expect(atBob).toEqual(atAlice)
  })

  it('pushes a REST notice (POST /notice on the same port) to every client', async () => {
    const res = await fetch(`${gw.httpUrl}/notice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'maintenance at noon' }),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ delivered: 2, gone: 0 })
    await alice.nextOf('notice', { text: 'maintenance at noon' })
    await bob.nextOf('notice', { text: 'maintenance at noon' })
  })

  it('refuses a bad notice with the error envelope', async () => {
    const res = await fetch(`${gw.httpUrl}/notice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"nope":1}',
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request')
  })

  it('serves the page with the stage it must connect to', async () => {
    const res = await fetch(`${gw.httpUrl}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await res.text()
    expect(html).toContain('<title>socketeer chat</title>')
    expect(html).toContain(`const STAGE = "${new URL(gw.url).pathname.slice(1)}"`)
  })

  it('answers a bad message and an unknown action only to the sender', async () => {
    alice.send({ action: 'sendmessage', message: '' })
    const bad = await alice.nextOf('error')
    expect(bad.message).toMatch(/non-empty string/)
    alice.send({ action: 'dance' })
    await alice.next(
      (f) => f.json?.type === 'error' && /unknown action/.test(f.json.message),
      5_000,
      'unknown action',
    )
    // Bob saw neither: both went to alice's connection only.
    await bob.nextOf('notice', { text: 'maintenance at noon' })
    expect(bob.frames.filter((f) => f.json?.type === 'error')).toEqual([])
  })

  it('a crowd of 12: every client is heard by every other (any id the gateway hands out works)', async () => {
    const crowd = await Promise.all(Array.from({ length: 12 }, (_, i) => Client.open(`${gw.url}?name=c${i}`)))
    try {
      for (const [i, c] of crowd.entries()) c.send({ action: 'sendmessage', message: `line ${i}` })
      const listener = crowd[0]!
      for (let i = 0; i < crowd.length; i++)
        await listener.nextOf('message', { from: `c${i}`, text: `line ${i}` })
      await alice.nextOf('message', { from: 'c11', text: 'line 11' })
    } finally {
      await Promise.all(crowd.map((c) => c.close()))
      // Each departure's $disconnect has run once alice has heard about it.
      for (let i = 0; i < crowd.length; i++) await alice.nextOf('presence', { event: 'left', name: `c${i}` })
      expect(gw.connections()).toHaveLength(2)
    }
  }, 40_000)

  it('announces a departure on $disconnect and stops sending to the gone client', async () => {
    await bob.close()
    const left = await alice.nextOf('presence', { event: 'left', name: 'bob' })
    expect(left.online).toBe(1)
    await until(() => gw.connections().length === 1, 5_000, 'one connection left')
    const res = await fetch(`${gw.httpUrl}/notice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'only alice now' }),
    })
    expect(await res.json()).toEqual({ delivered: 1, gone: 0 })
    await alice.nextOf('notice', { text: 'only alice now' })
  })
})
