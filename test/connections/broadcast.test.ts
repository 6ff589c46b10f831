import { describe, expect, it } from 'vitest'
import { broadcast } from '../../src/connections/broadcast.js'
import { MemoryConnectionStore } from '../../src/connections/memory.js'
import { FakeStreamer } from '../../testkit/index.js'
import { collect, connectionId, record } from './helpers.js'

// broadcast() on its own: the store + the real streamer client over the FakeStreamer's
// @connections model (the same model the local gateway serves).

const EP = 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod'

async function room(n: number, connectedAt = Date.now() - 120_000) {
  const store = new MemoryConnectionStore()
  const fake = new FakeStreamer({ strict: false, endpoint: EP })
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const id = fake.connect(connectionId(i))
    await store.put(record(id, { endpoint: EP, connectedAt }))
    await store.join(id, 'room')
    ids.push(id)
  }
  return { store, fake, ids, deps: { store, streamer: fake.client(EP) } }
}

describe('broadcast()', () => {
  it('sends each id once however often the source repeats it, and never to excluded ids', async () => {
    const { fake, ids, deps } = await room(4)
    const [a, b, c, d] = ids as [string, string, string, string]
    async function* repeats() {
      yield* [a, b, a, c, b, d, d]
    }
    const r = await broadcast(deps, repeats(), 'hi', { exclude: [d] })
    expect(r.sent.sort()).toEqual([a, b, c].sort())
    for (const id of [a, b, c]) expect(fake.received(id)).toEqual(['hi'])
    expect(fake.received(d)).toEqual([])
    const single = await broadcast(deps, 'room', { n: 1 }, { exclude: a })
    expect(single.sent.sort()).toEqual([b, c, d].sort())
    expect(fake.receivedJSON(d)).toEqual([{ n: 1 }])
  })

  it('sends to a member who leaves and rejoins during the walk only once', async () => {
    const { store, fake, ids, deps } = await room(3)
    const [a, b, c] = ids as [string, string, string]
    let moved = false
    const streamer = {
      ...deps.streamer,
      broadcast: (source: AsyncIterable<string>, data: any, options: any) =>
        deps.streamer.broadcast(
          (async function* () {
            for await (const id of source) {
              if (!moved) {
                // The first member leaves and rejoins: the memory store's walk meets it again.
                moved = true
                await store.leave(a, 'room')
                await store.join(a, 'room')
              }
              yield id
            }
          })(),
          data,
          options,
        ),
    }
    const r = await broadcast({ store, streamer }, 'room', 'x')
    expect(r.sent.sort()).toEqual([a, b, c].sort())
    expect(fake.received(a)).toEqual(['x'])
  })

  it('reports a failed prune without throwing, and bounds deletes by the concurrency', async () => {
    const { store, fake, ids, deps } = await room(12)
    for (const id of ids.slice(0, 10)) fake.close(id)
    let active = 0
    let peak = 0
    const realDelete = store.delete.bind(store)
    store.delete = async (id, options) => {
      active++
      peak = Math.max(peak, active)
      await new Promise((r) => setTimeout(r, 5))
      active--
      if (id === ids[0]) throw new Error('throttled')
      return realDelete(id, options)
    }
    const r = await broadcast(deps, 'room', 'x', { concurrency: 3 })
    expect(r.gone).toHaveLength(10)
    expect(r.pruned).toHaveLength(9)
    expect(r.pruneFailed.map((f) => [f.connectionId, f.error.message])).toEqual([[ids[0], 'throttled']])
    expect(peak).toBe(3)
    expect(await collect(store.members('room'))).toEqual([ids[0], ids[10], ids[11]])
  })

  it('rejects when the store fails mid-walk, after the sends in flight settle', async () => {
    const { fake, ids, deps } = await room(3)
    const failing = {
      ...deps.store,
      members: async function* () {
        yield ids[0]!
        throw new Error('Query failed')
      },
    }
    await expect(broadcast({ store: failing as any, streamer: deps.streamer }, 'room', 'x')).rejects.toThrow(
      'Query failed',
    )
    expect(fake.received(ids[0]!)).toEqual(['x'])
  })
})
