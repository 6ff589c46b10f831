import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, it } from 'vitest'
import { broadcast } from '../../src/connections/broadcast.js'
import { DynamoConnectionStore } from '../../src/connections/dynamo.js'
import { ConnectionGoneError } from '../../src/connections/errors.js'
import { memberKey, reverseMemberKey } from '../../src/connections/keys.js'
import { MAX_GROUP_BYTES } from '../../src/connections/record.js'
import {
  CONNECTIONS_TABLE_ENV,
  connectionsTable,
  connectionsTimeToLiveInput,
} from '../../src/connections/table.js'
import { DEFAULT_TTL_SECONDS } from '../../src/connections/ttl.js'
import { FakeStreamer } from '../../testkit/index.js'
import { clientConfig, collect, connectionId, gatedClient, record, useDynalite } from './helpers.js'

// What only the DynamoDB store has: the items on the table, Query pagination, the
// no-resurrection protocol under forced interleavings, configuration.

const db = useDynalite()

afterEach(() => {
  delete process.env[CONNECTIONS_TABLE_ENV]
})

describe('the table', () => {
  it('is created from the exported definition: pk/sk strings, on-demand, no index', async () => {
    const table = await db.table()
    const { Table } = await db.client().send(new DescribeTableCommand({ TableName: table }))
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ])
    expect(Table?.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ])
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
    expect(Table?.GlobalSecondaryIndexes).toBeUndefined()
    // dynalite has no UpdateTimeToLive; the input is checked against the definition here.
    expect(connectionsTimeToLiveInput(table)).toEqual({
      TableName: table,
      TimeToLiveSpecification: { AttributeName: connectionsTable.timeToLiveAttribute, Enabled: true },
    })
  })

  it('holds the record, both membership items and the tombstone, each with expiresAt in epoch seconds', async () => {
    const table = await db.table()
    const store = await db.store({ tableName: table })
    const id = connectionId(1)
    const connectedAt = Date.now()
    await store.put(record(id, { connectedAt, principalId: 'u1', attributes: { name: 'ada' } }))
    const joinedAt = Math.floor(Date.now() / 1000)
    await store.join(id, 'room')
    const items = await db.scan(table)
    const meta = items.find((i) => i.pk === `conn#${id}` && i.sk === 'meta')
    expect(meta).toEqual({
      pk: `conn#${id}`,
      sk: 'meta',
      connectionId: id,
      endpoint: 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod',
      connectedAt,
      expiresAt: Math.floor(connectedAt / 1000) + 2 * 3600 + 600,
      principalId: 'u1',
      attributes: { name: 'ada' },
    })
    const forward = items.find((i) => i.pk === 'group#room')
    const reverse = items.find((i) => i.pk === `conn#${id}` && i.sk === 'group#room')
    expect(forward).toMatchObject({ sk: `conn#${id}` })
    // Both items carry the join's token (join-leave-race.test.ts shows what it is for).
    expect(typeof forward?.token).toBe('string')
    expect(forward?.token).toBe(reverse?.token)
    for (const m of [forward, reverse]) {
      expect(Number.isInteger(m?.expiresAt)).toBe(true)
      expect(m?.expiresAt).toBeGreaterThanOrEqual(joinedAt + DEFAULT_TTL_SECONDS)
      expect(m?.expiresAt).toBeLessThanOrEqual(joinedAt + DEFAULT_TTL_SECONDS + 2)
    }
    expect(items).toHaveLength(3)
    const deletedAt = Math.floor(Date.now() / 1000)
    await store.delete(id)
    const after = await db.scan(table)
    expect(after).toHaveLength(1)
    expect(after[0]).toMatchObject({ pk: `conn#${id}`, sk: 'meta', gone: true })
    expect(after[0]?.expiresAt).toBeGreaterThanOrEqual(deletedAt + DEFAULT_TTL_SECONDS)
    expect(after[0]?.expiresAt).toBeLessThanOrEqual(deletedAt + DEFAULT_TTL_SECONDS + 2)
  })

  it('reads the table name from SOCKETEER_CONNECTIONS_TABLE, and says so when it is missing', async () => {
    expect(() => new DynamoConnectionStore()).toThrow(/SOCKETEER_CONNECTIONS_TABLE/)
    const table = await db.table()
    process.env[CONNECTIONS_TABLE_ENV] = table
    const store = new DynamoConnectionStore({ clientConfig: clientConfig(db.endpoint) })
    expect(store.tableName).toBe(table)
    await store.put(record(connectionId(2)))
    expect((await db.scan(table)).map((i) => i.pk)).toEqual([`conn#${connectionId(2)}`])
  })

  it('accepts a DynamoDBClient the caller configured', async () => {
    const gated = gatedClient(db.endpoint)
    const store = await db.store({ client: gated.client })
    await store.put(record(connectionId(3)))
    expect(await store.get(connectionId(3))).toBeDefined()
    expect(gated.ops).toMatchObject({ PutItem: 1, GetItem: 1 })
  })
})

/** Writes `count` memberships in the store's own item format, 25 items a request (setup only). */
async function seedMembers(table: string, group: string, count: number): Promise<string[]> {
  const doc = DynamoDBDocumentClient.from(db.client())
  const expiresAt = Math.floor(Date.now() / 1000) + 3600
  const ids = Array.from({ length: count }, (_, i) => connectionId(i, 'M'))
  const items = ids.flatMap((id) => [
    { ...memberKey(group, id), expiresAt },
    { ...reverseMemberKey(id, group), expiresAt },
  ])
  for (let i = 0; i < items.length; i += 25) {
    const out = await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    )
    expect(out.UnprocessedItems?.[table] ?? []).toEqual([])
  }
  return ids
}

describe('members() pagination', () => {
  it('walks every page of a group larger than the page size (Limit), each member once', async () => {
    const gated = gatedClient(db.endpoint)
    const store = await db.store({ client: gated.client })
    const ids = Array.from({ length: 45 }, (_, i) => connectionId(i, 'P'))
    for (const id of ids) await store.put(record(id))
    await Promise.all(ids.map((id) => store.join(id, 'big')))
    const before = gated.ops.Query ?? 0
    const seen = await collect(store.members('big', { pageSize: 7 }))
    expect(seen.sort()).toEqual([...ids].sort())
    // 45 items at 7 a page: 7 pages, the last one short (no LastEvaluatedKey after it).
    expect((gated.ops.Query ?? 0) - before).toBe(7)
    await expect(collect(store.members('big', { pageSize: 0 }))).rejects.toThrow(/pageSize/)
  })

  it('walks past the 1 MB page limit with no Limit set', async () => {
    const gated = gatedClient(db.endpoint)
    const table = await db.table()
    const store = await db.store({ tableName: table, client: gated.client })
    // The longest group name the reverse item's sort key allows: ~1 KB per membership item.
    const group = 'r'.repeat(MAX_GROUP_BYTES)
    const ids = await seedMembers(table, group, 1100)
    const before = gated.ops.Query ?? 0
    const seen = await collect(store.members(group))
    expect(seen.length).toBe(1100)
    expect(new Set(seen)).toEqual(new Set(ids))
    expect((gated.ops.Query ?? 0) - before).toBeGreaterThanOrEqual(2)
    // delete() finds a connection's groups by its own partition, however large the group.
    const out = await store.delete(ids[0]!)
    expect(out.groups).toEqual([group])
    expect(await collect(store.members(group))).toHaveLength(1099)
  })
})

describe('no resurrection, under forced interleavings of join and delete', () => {
  const setup = async (n: number) => {
    const gated = gatedClient(db.endpoint)
    const table = await db.table()
    const store = await db.store({ tableName: table, client: gated.client })
    const id = connectionId(n, 'R')
    await store.put(record(id))
    return { gated, table, store, id }
  }
  const leftovers = async (store: DynamoConnectionStore, table: string, id: string) => ({
    items: (await db.scan(table)).filter((i) => i.sk !== 'meta'),
    members: await collect(store.members('room')),
    groups: await collect(store.groups(id)),
  })
  const empty = { items: [], members: [], groups: [] }

  it('join wrote its items, then delete ran before join re-read the record: join undoes itself', async () => {
    const { gated, table, store, id } = await setup(1)
    // The join's consistent read of its record (and its own item), after both writes.
    const verify = gated.hold('BatchGetItem', (b) => b.RequestItems?.[table]?.ConsistentRead === true)
    const join = store.join(id, 'room')
    await verify.reached
    expect((await db.scan(table)).filter((i) => i.sk !== 'meta')).toHaveLength(2)
    await store.delete(id)
    verify.release()
    await expect(join).rejects.toBeInstanceOf(ConnectionGoneError)
    expect(await leftovers(store, table, id)).toEqual(empty)
  })

  it("join's writes reached the table only after the whole delete: join undoes itself", async () => {
    const { gated, table, store, id } = await setup(2)
    // The join's first write: the connection's side of the membership.
    const writes = gated.hold(
      'PutItem',
      (b) => b.Item?.pk?.S === `conn#${id}` && b.Item?.sk?.S === 'group#room',
    )
    const join = store.join(id, 'room')
    await writes.reached
    await store.delete(id)
    writes.release()
    await expect(join).rejects.toBeInstanceOf(ConnectionGoneError)
    expect(await leftovers(store, table, id)).toEqual(empty)
  })

  it('a whole join ran between the tombstone and the membership Query: join is refused', async () => {
    const { gated, table, store, id } = await setup(3)
    const query = gated.hold('Query', (b) => b.ExpressionAttributeValues?.[':pk']?.S === `conn#${id}`)
    const del = store.delete(id)
    await query.reached
    await expect(store.join(id, 'room')).rejects.toBeInstanceOf(ConnectionGoneError)
    query.release()
    await del
    expect(await leftovers(store, table, id)).toEqual(empty)
  })

  it('a whole join ran just before the tombstone: join succeeds, then delete removes it', async () => {
    const { gated, table, store, id } = await setup(4)
    const tombstone = gated.hold('PutItem', (b) => b.Item?.gone?.BOOL === true)
    const del = store.delete(id)
    await tombstone.reached
    await store.join(id, 'room')
    expect(await collect(store.members('room'))).toEqual([id])
    tombstone.release()
    expect((await del).groups).toEqual(['room'])
    expect(await leftovers(store, table, id)).toEqual(empty)
  })

  it('many joins racing one delete leave no membership behind', async () => {
    const { table, store, id } = await setup(5)
    const groups = Array.from({ length: 12 }, (_, i) => `room${i}`)
    const joins = groups.map((g, i) => new Promise((r) => setTimeout(r, i * 3)).then(() => store.join(id, g)))
    const del = new Promise((r) => setTimeout(r, 15)).then(() => store.delete(id))
    const settled = await Promise.allSettled(joins)
    await del
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(ConnectionGoneError)
    }
    expect((await db.scan(table)).filter((i) => i.sk !== 'meta')).toEqual([])
    await expect(store.join(id, 'late')).rejects.toBeInstanceOf(ConnectionGoneError)
  })
})

describe('a prune of a connection that has no record yet', () => {
  it("racing the App's save after $connect, keeps the membership written meanwhile", async () => {
    const EP = 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod'
    const gated = gatedClient(db.endpoint)
    const table = await db.table()
    const store = await db.store({ tableName: table, client: gated.client })
    const id = connectionId(1, 'P')
    const fake = new FakeStreamer({ strict: false, endpoint: EP })
    fake.gone(id) // AWS answers 410 while its $connect runs
    // The prune has read no record and is about to look for memberships.
    const query = gated.hold('Query', (b) => b.ExpressionAttributeValues?.[':pk']?.S === `conn#${id}`)
    const pruning = broadcast({ store, streamer: fake.client(EP) }, [id], 'presence')
    await query.reached
    // Meanwhile its $connect returns 200: the App saves it and writes its joins.
    await store.put(record(id, { endpoint: EP, connectedAt: Date.now() }))
    await store.join(id, 'lobby')
    query.release()
    expect(await pruning).toMatchObject({ gone: [id] })
    expect(await store.get(id)).toBeDefined()
    expect([await collect(store.members('lobby')), await collect(store.groups(id))]).toEqual([
      [id],
      ['lobby'],
    ])
  })
})
