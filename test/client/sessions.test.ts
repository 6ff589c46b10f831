import { afterEach, describe, expect, it } from 'vitest'
import { type Client, createClient } from '../../src/client/index.js'
import type { ActionsOf } from '../../src/client/types.js'
import type { ConnectionStore } from '../../src/connections/types.js'
import { MemoryConnectionStore } from '../../src/index.js'
import { useDynalite } from '../connections/helpers.js'
import type { TestApp } from './app.js'
import { type Gateway, sleep, startTestGateway, waitFor } from './helpers.js'

// Sessions that outlive connections: a push to a session while it has no live connection
// (after a close, before the reconnect) is held in the connection store and reaches the
// client on its next connection, once and in order, with the memory store and with the
// DynamoDB store (dynalite, through the real SDK).

type C = Client<ActionsOf<TestApp>>
type Store = ConnectionStore & Required<Pick<ConnectionStore, 'heldSessionMessages'>>
const clients: C[] = []
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
})
const db = useDynalite()
let n = 0
const newSession = () => `session-${process.pid}-${++n}-abcdefghij`

/** A client whose reconnects wait at a gate the test opens, so the gap lasts as long as the test needs. */
async function gatedClient(gw: Gateway, session: string) {
  let gate: Promise<void> = Promise.resolve()
  let open = () => {}
  const c = createClient<TestApp>(
    async () => {
      await gate
      return gw.url
    },
    { session, keepaliveMs: 0, backoff: { initialMs: 20, maxMs: 50 } },
  )
  clients.push(c)
  const got: [unknown, string | undefined][] = []
  const opens: string[] = []
  const errors: string[] = []
  c.on('message', (data, meta) => got.push([data, meta.id]))
  c.on('open', (i) => opens.push(i.reason))
  c.on('error', (e) => errors.push(e.code))
  await waitFor(() => opens.length === 1, 10_000, 'the first open')
  return {
    c,
    got,
    opens,
    errors,
    /** The gateway drops the connection; resolves once `$disconnect` removed it from the store. */
    async drop(store: ConnectionStore) {
      gate = new Promise((resolve) => {
        open = resolve
      })
      const [id] = gw.connections()
      await fetch(`${gw.managementEndpoint}/@connections/${encodeURIComponent(id!)}`, { method: 'DELETE' })
      for (let i = 0; i < 500 && (await store.get(id!)); i++) await sleep(20)
      expect(await store.get(id!)).toBeUndefined()
    },
    reopen: () => open(),
  }
}

const stores: Array<[string, (held?: { limit?: number; maxAgeSeconds?: number }) => Promise<Store>]> = [
  ['memory', async (heldMessages) => new MemoryConnectionStore({ heldMessages }) as Store],
  ['dynamo', async (heldMessages) => (await db.store({ heldMessages })) as Store],
]

describe.each(stores)('held session messages, %s store', (_name, makeStore) => {
  it('a push while the session has no connection arrives after the reconnect, once and in order', async () => {
    const store = await makeStore()
    const { gw, app } = await startTestGateway({ store })
    const session = newSession()
    const push = (k: number) =>
      app.app.pushToSession(session, { k }, { endpoint: gw.managementEndpoint, id: `p${k}` })
    const g = await gatedClient(gw, session)
    expect((await push(0)).held).toBe(false)
    await waitFor(() => g.got.length === 1, 5_000, 'the live push')

    await g.drop(store)
    const results = [await push(1), await push(2), await push(3), await push(3)]
    expect(results.map((r) => [r.held, r.sent.length])).toEqual([
      [true, 0],
      [true, 0],
      [true, 0],
      [true, 0],
    ])
    g.reopen()
    await waitFor(() => g.got.length >= 4, 10_000, 'the held pushes')
    expect(g.opens).toEqual(['initial', 'reconnect'])
    // Live again: a push goes straight to the new connection.
    expect((await push(4)).held).toBe(false)
    await waitFor(() => g.got.length >= 5, 5_000, 'the live push after the reconnect')
    await sleep(300)
    expect(g.got).toEqual([0, 1, 2, 3, 4].map((k) => [{ k }, `p${k}`]))
    expect(g.errors).toEqual([])
    // Delivered, so released.
    expect((await store.heldSessionMessages(session)).messages).toEqual([])
    await gw.close()
  }, 60_000)

  it('keeps only the newest `limit`, and none past their age', async () => {
    const store = await makeStore({ limit: 2, maxAgeSeconds: 1 })
    const { gw, app } = await startTestGateway({ store })
    const session = newSession()
    const push = (k: number) =>
      app.app.pushToSession(session, { k }, { endpoint: gw.managementEndpoint, id: `p${k}` })
    const g = await gatedClient(gw, session)
    await g.drop(store)
    for (const k of [1, 2, 3, 4]) expect((await push(k)).held).toBe(true)
    g.reopen()
    await waitFor(() => g.got.length >= 2, 10_000, 'the held pushes')
    await g.drop(store)
    expect((await push(5)).held).toBe(true)
    await sleep(1_200)
    g.reopen()
    await waitFor(() => g.opens.length === 3, 10_000, 'the third open')
    expect((await push(6)).held).toBe(false)
    await waitFor(() => g.got.length >= 3, 5_000, 'the live push')
    await sleep(300)
    expect(g.got).toEqual([3, 4, 6].map((k) => [{ k }, `p${k}`]))
    await gw.close()
  }, 60_000)
})

describe('held session messages: races', () => {
  it('more than one reply’s worth arrives over several resume replies, in order', async () => {
    const store = new MemoryConnectionStore()
    const lines: string[] = []
    const { gw, app } = await startTestGateway({ store, logger: (l) => lines.push(l) })
    const session = newSession()
    const g = await gatedClient(gw, session)
    await g.drop(store)
    const big = 'z'.repeat(40 * 1024)
    for (const k of [1, 2, 3, 4, 5])
      expect(
        (await app.app.pushToSession(session, { k, big }, { endpoint: gw.managementEndpoint })).held,
      ).toBe(true)
    g.reopen()
    await waitFor(() => g.got.length >= 5, 10_000, 'five held pushes')
    expect(g.got.map(([d]) => (d as { k: number }).k)).toEqual([1, 2, 3, 4, 5])
    // The first connection asked once (nothing held yet); then 40 KB each at most 96 KB a reply: three asks.
    expect(lines.filter((l) => /MESSAGE\s+socketeer\.resume/.test(l))).toHaveLength(4)
    expect((await store.heldSessionMessages(session)).messages).toEqual([])
    await gw.close()
  })

  it('a push whose only connection answers 410 (closed, its $disconnect not yet run) is held too', async () => {
    const store = new MemoryConnectionStore()
    const { gw, app } = await startTestGateway({ store })
    const session = newSession()
    // A connection the registry still lists but the gateway no longer has.
    const stale = 'c3RhbGUtY29ubmVjdGlvbg='
    await store.put({
      connectionId: stale,
      endpoint: gw.managementEndpoint,
      connectedAt: Date.now() - 120_000,
    })
    await store.join(stale, `session:${session}`)
    const pushed = await app.app.pushToSession(
      session,
      { k: 1 },
      { endpoint: gw.managementEndpoint, id: 'p1' },
    )
    expect(pushed).toMatchObject({ held: true, sent: [], gone: [stale], pruned: [stale] })
    const c = createClient<TestApp>(gw.url, { session, keepaliveMs: 0 })
    clients.push(c)
    const got: unknown[] = []
    c.on('message', (data) => got.push(data))
    await waitFor(() => got.length === 1, 10_000, 'the held push on the first connect of a known session')
    expect(got).toEqual([{ k: 1 }])
    await gw.close()
  })

  it('a push made in $connect (no connection can take it yet) arrives first, on a made-up session too; resume: false asks nothing', async () => {
    const lines: string[] = []
    const { gw } = await startTestGateway({ logger: (l) => lines.push(l) })
    const c = createClient<TestApp>(`${gw.url}?welcome=1`, { keepaliveMs: 0 })
    clients.push(c)
    const got: unknown[] = []
    c.on('message', (data) => got.push(data))
    await waitFor(() => got.length === 1, 10_000, 'the welcome')
    expect(got).toEqual([{ welcome: true }])
    const asked = lines.filter((l) => /MESSAGE\s+socketeer\.resume/.test(l)).length
    expect(asked).toBe(1)
    const d = createClient<TestApp>(gw.url, { session: newSession(), resume: false, keepaliveMs: 0 })
    clients.push(d)
    expect(await d.request('echo', { text: 'b' })).toEqual({ echoed: 'b' })
    expect(lines.filter((l) => /MESSAGE\s+socketeer\.resume/.test(l))).toHaveLength(asked)
    await gw.close()
  })
})
