import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConnectionGoneError, ConnectionStoreValidationError } from '../../src/connections/errors.js'
import { MemoryConnectionStore } from '../../src/connections/memory.js'
import { DEFAULT_TTL_SECONDS } from '../../src/connections/ttl.js'
import type { ConnectionStore } from '../../src/connections/types.js'
import { StreamerValidationError } from '../../src/streamer/errors.js'
import { collect, connectionId, record, useDynalite } from './helpers.js'

// One set of semantics, two stores: every case runs against MemoryConnectionStore and
// against DynamoConnectionStore on a real DynamoDB-compatible server.

const db = useDynalite()
const stores: Array<[string, () => Promise<ConnectionStore>]> = [
  ['memory', async () => new MemoryConnectionStore()],
  ['dynamo', () => db.store()],
]

afterEach(() => {
  vi.useRealTimers()
})

describe.each(stores)('%s store', (_name, make) => {
  it('saves, reads back and replaces a record, with the expiry derived from connectedAt', async () => {
    const store = await make()
    const id = connectionId(1)
    const connectedAt = 1_705_751_697_419
    const saved = await store.put(
      record(id, {
        connectedAt,
        expiresAt: undefined,
        principalId: 'user-1',
        attributes: { room: 'a', n: 1 },
      }),
    )
    expect(saved.expiresAt).toBe(1_705_751_697 + DEFAULT_TTL_SECONDS)
    // That expiry is in the past (2024): put one that is live.
    const now = Date.now()
    const live = await store.put(
      record(id, { connectedAt: now, principalId: 'user-1', attributes: { room: 'a', n: 1 } }),
    )
    expect(await store.get(id)).toEqual({
      connectionId: id,
      endpoint: 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod',
      connectedAt: now,
      expiresAt: Math.floor(now / 1000) + DEFAULT_TTL_SECONDS,
      principalId: 'user-1',
      attributes: { room: 'a', n: 1 },
    })
    expect(live.expiresAt).toBe(Math.floor(now / 1000) + 2 * 3600 + 600)
    await store.put({ ...live, attributes: { room: 'b' } })
    expect((await store.get(id))?.attributes).toEqual({ room: 'b' })
    expect(await store.get(connectionId(2))).toBeUndefined()
  })

  it('treats a record past its expiry as absent, and refuses joins to it', async () => {
    const store = await make()
    const id = connectionId(3)
    await store.put(record(id, { expiresAt: Math.floor(Date.now() / 1000) - 1 }))
    expect(await store.get(id)).toBeUndefined()
    await expect(store.join(id, 'room')).rejects.toBeInstanceOf(ConnectionGoneError)
    expect(await collect(store.members('room'))).toEqual([])
  })

  it('drops memberships from members() once they expire, though TTL has not swept them', async () => {
    const store = await make()
    const id = connectionId(4)
    await store.put(record(id))
    await store.join(id, 'room')
    expect(await collect(store.members('room'))).toEqual([id])
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + (DEFAULT_TTL_SECONDS + 5) * 1000)
    expect(await collect(store.members('room'))).toEqual([])
    expect(await collect(store.groups(id))).toEqual([])
    expect(await store.get(id)).toBeUndefined()
  })

  it('joins and leaves groups, both directions agreeing; join and leave are idempotent', async () => {
    const store = await make()
    const [a, b] = [connectionId(5), connectionId(6)]
    await store.put(record(a))
    await store.put(record(b))
    await store.join(a, 'room')
    await store.join(a, 'room')
    await store.join(b, 'room')
    await store.join(a, 'user#42')
    expect((await collect(store.members('room'))).sort()).toEqual([a, b].sort())
    expect((await collect(store.groups(a))).sort()).toEqual(['room', 'user#42'])
    await store.leave(a, 'room')
    await store.leave(a, 'room')
    await store.leave(a, 'never-joined')
    expect(await collect(store.members('room'))).toEqual([b])
    expect(await collect(store.groups(a))).toEqual(['user#42'])
    expect(await collect(store.members('nobody-here'))).toEqual([])
  })

  it('delete removes the record and every membership, reports them, and is idempotent', async () => {
    const store = await make()
    const [a, b] = [connectionId(7), connectionId(8)]
    await store.put(record(a, { principalId: 'p' }))
    await store.put(record(b))
    for (const g of ['room', 'lobby', 'user#p']) await store.join(a, g)
    await store.join(b, 'room')
    const out = await store.delete(a)
    expect(out.record?.connectionId).toBe(a)
    expect(out.record?.principalId).toBe('p')
    expect(out.groups.sort()).toEqual(['lobby', 'room', 'user#p'])
    expect(await store.get(a)).toBeUndefined()
    expect(await collect(store.members('room'))).toEqual([b])
    expect(await collect(store.members('lobby'))).toEqual([])
    expect(await collect(store.groups(a))).toEqual([])
    expect(await store.delete(a)).toEqual({ groups: [] })
    expect(await store.get(b)).toBeDefined()
  })

  it('never resurrects a deleted connection: a late put or join is refused and leaves nothing', async () => {
    const store = await make()
    const id = connectionId(9)
    await store.put(record(id))
    await store.delete(id)
    await expect(store.put(record(id))).rejects.toBeInstanceOf(ConnectionGoneError)
    await expect(store.join(id, 'room')).rejects.toBeInstanceOf(ConnectionGoneError)
    expect(await store.get(id)).toBeUndefined()
    expect(await collect(store.members('room'))).toEqual([])
    expect(await collect(store.groups(id))).toEqual([])
    // Never registered at all: a join is refused too.
    await expect(store.join(connectionId(10), 'room')).rejects.toThrow(/not registered/)
  })

  it('delete({ connectedBefore }) keeps a younger record and deletes an older one', async () => {
    const store = await make()
    const id = connectionId(11)
    const connectedAt = Date.now()
    await store.put(record(id, { connectedAt }))
    await store.join(id, 'room')
    expect(await store.delete(id, { connectedBefore: connectedAt })).toEqual({ groups: [], skipped: true })
    expect(await store.get(id)).toBeDefined()
    expect(await collect(store.members('room'))).toEqual([id])
    const out = await store.delete(id, { connectedBefore: connectedAt + 1 })
    expect(out.skipped).toBeUndefined()
    expect(out.groups).toEqual(['room'])
    expect(await collect(store.members('room'))).toEqual([])
    // No record yet (a connection still in its $connect answers 410): the prune goes
    // ahead but writes no tombstone, so the App's save after the accepted $connect works.
    const connecting = connectionId(12)
    expect(await store.delete(connecting, { connectedBefore: Date.now() })).toEqual({ groups: [] })
    await store.put(record(connecting))
    await store.join(connecting, 'room')
    expect(await collect(store.groups(connecting))).toEqual(['room'])
    // A deleted one stays deleted: a prune does not lift its tombstone.
    await store.delete(connecting)
    expect(await store.delete(connecting, { connectedBefore: Date.now() })).toEqual({ groups: [] })
    await expect(store.put(record(connecting))).rejects.toBeInstanceOf(ConnectionGoneError)
  })

  it('runs 128 concurrent joins, then 64 concurrent leaves interleaved with 32 joins, exactly', async () => {
    const store = await make()
    const ids = Array.from({ length: 8 }, (_, i) => connectionId(100 + i))
    const groups = Array.from({ length: 16 }, (_, i) => `g${i}`)
    await Promise.all(ids.map((id) => store.put(record(id))))
    await Promise.all(ids.flatMap((id) => groups.map((g) => store.join(id, g))))
    for (const g of groups) expect((await collect(store.members(g))).sort()).toEqual([...ids].sort())
    // Leave the even groups, join four new ones, all at once.
    const extra = Array.from({ length: 4 }, (_, i) => `x${i}`)
    await Promise.all([
      ...ids.flatMap((id) => groups.filter((_, i) => i % 2 === 0).map((g) => store.leave(id, g))),
      ...ids.flatMap((id) => extra.map((g) => store.join(id, g))),
    ])
    const expected = [...groups.filter((_, i) => i % 2 === 1), ...extra].sort()
    for (const id of ids) expect((await collect(store.groups(id))).sort()).toEqual(expected)
    for (const g of groups.filter((_, i) => i % 2 === 0)) expect(await collect(store.members(g))).toEqual([])
    for (const g of expected) expect((await collect(store.members(g))).length).toBe(ids.length)
  })

  it('validates ids and group names before touching the table', async () => {
    const store = await make()
    await expect(store.join(connectionId(13), '')).rejects.toBeInstanceOf(ConnectionStoreValidationError)
    await expect(store.join(connectionId(13), 'x'.repeat(1019))).rejects.toThrow(/limit is 1018/)
    await expect(store.get('has space')).rejects.toBeInstanceOf(StreamerValidationError)
    await expect(store.put(record(connectionId(13), { endpoint: '' }))).rejects.toThrow(/endpoint/)
    await expect(collect(store.members(''))).rejects.toBeInstanceOf(ConnectionStoreValidationError)
  })
})
