import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb'
import { describe, expect, it } from 'vitest'
import { broadcast } from '../../src/connections/broadcast.js'
import { DynamoConnectionStore } from '../../src/connections/dynamo.js'
import { memberKey } from '../../src/connections/keys.js'
import { FakeStreamer } from '../../testkit/index.js'
import { collect, connectionId, record, stepwise, useDynalite } from './helpers.js'

// Joins and leaves of one connection and group, their requests interleaved one by one at
// the wire: whatever the order, the group's item (what members() reads) is left only
// with the connection's item (what groups() and delete() read) beside it.

const db = useDynalite()
const EP = 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod'

/** A request as the scripts below name it: R the connection's item, G the group's. */
function label(op: string, body: any): string {
  const side = (key: any) =>
    key?.pk?.S?.startsWith('group#') ? 'G' : key?.sk?.S?.startsWith('group#') ? 'R' : 'record'
  if (op === 'PutItem') return `PutItem ${side(body.Item)}`
  if (op === 'BatchGetItem') {
    const keys = (Object.values(body.RequestItems ?? {})[0] as any)?.Keys ?? []
    return `BatchGetItem ${keys.map(side).join('+')}`
  }
  return `${op} ${side(body.Key)}${body.ConditionExpression ? ' if token' : ''}`
}

type Who = 'join' | 'join2' | 'leave'
/** [who, the request it sends] for one step; [who, '...', what it sends] to run it to its end. */
type Line = [Who, string] | [Who, '...', string[]]

async function play(n: number, script: Line[]) {
  const table = await db.table()
  const id = connectionId(n, 'J')
  const store = (client: any) =>
    new DynamoConnectionStore({ tableName: table, client, requestTimeoutMs: 60_000 })
  await db.store({ tableName: table }).then((s) => s.put(record(id, { endpoint: EP })))
  const calls = {
    join: stepwise(db.endpoint, (c) => store(c).join(id, 'room'), label),
    join2: stepwise(db.endpoint, (c) => store(c).join(id, 'room'), label),
    leave: stepwise(db.endpoint, (c) => store(c).leave(id, 'room'), label),
  }
  const sent: [Who, string | string[]][] = []
  for (const line of script) {
    const call = calls[line[0]]
    if (line[1] === '...') {
      const out = await call.finish()
      expect(out.error).toBeUndefined()
      sent.push([line[0], out.sent])
    } else sent.push([line[0], await call.step()])
  }
  const items = (await db.scan(table)).filter((i) => i.sk !== 'meta')
  const side = {
    R: items.some((i) => i.pk === `conn#${id}` && i.sk === 'group#room'),
    G: items.some((i) => i.pk === 'group#room' && i.sk === `conn#${id}`),
  }
  const reader = store(db.client())
  const view = { members: await collect(reader.members('room')), groups: await collect(reader.groups(id)) }
  return { id, side, view, sent, expected: script.map(([who, a, b]) => [who, b ?? a]) }
}

/** What every interleaving must end with: both items or neither, and readers agreeing. */
function expectConsistent(out: Awaited<ReturnType<typeof play>>, member: boolean) {
  expect(out.side).toEqual({ R: member, G: member })
  expect(out.view).toEqual(member ? { members: [out.id], groups: ['room'] } : { members: [], groups: [] })
  // Only then (the check above is what the code before tokens failed): the order was as scripted.
  expect(out.sent).toEqual(out.expected)
}

const LEAVE_REPAIRS = ['DeleteItem R', 'GetItem G', 'GetItem R', 'DeleteItem G if token']

describe('a join and a leave of the same membership, interleaved request by request', () => {
  it("the reviewer's order (join R, leave G, join G, leave R), the leave ending first: the leave removes the orphan", async () => {
    const out = await play(1, [
      ['join', 'PutItem R'],
      ['leave', 'DeleteItem G'],
      ['join', 'PutItem G'],
      ['leave', 'DeleteItem R'],
      ['leave', '...', LEAVE_REPAIRS.slice(1)],
      // The join reads its item gone; the group's item is gone too, and its conditional delete is a no-op.
      ['join', '...', ['BatchGetItem record+R', 'DeleteItem G if token']],
    ])
    expectConsistent(out, false)
  })

  it('the same order, the join checking before the leave removes R: only the leave can repair, and does', async () => {
    const out = await play(2, [
      ['join', 'PutItem R'],
      ['leave', 'DeleteItem G'],
      ['join', 'PutItem G'],
      ['join', '...', ['BatchGetItem record+R']],
      ['leave', '...', LEAVE_REPAIRS],
    ])
    expectConsistent(out, false)
  })

  it('a whole leave between the join’s two writes: only the join can repair, and does', async () => {
    const out = await play(3, [
      ['join', 'PutItem R'],
      ['leave', '...', ['DeleteItem G', 'DeleteItem R', 'GetItem G']],
      ['join', '...', ['PutItem G', 'BatchGetItem record+R', 'DeleteItem G if token']],
    ])
    expectConsistent(out, false)
  })

  it('mirror: the leave first (leave G, join R, leave R, join G), either call ending first', async () => {
    for (const [n, first, second] of [
      [4, 'join', 'leave'],
      [5, 'leave', 'join'],
    ] as const) {
      const out = await play(n, [
        ['leave', 'DeleteItem G'],
        ['join', 'PutItem R'],
        ['leave', 'DeleteItem R'],
        ['join', 'PutItem G'],
        first === 'join'
          ? ['join', '...', ['BatchGetItem record+R', 'DeleteItem G if token']]
          : ['leave', '...', LEAVE_REPAIRS.slice(1)],
        second === 'join'
          ? ['join', '...', ['BatchGetItem record+R', 'DeleteItem G if token']]
          : ['leave', '...', ['GetItem G']],
      ])
      expectConsistent(out, false)
    }
  })

  it('a whole join inside a leave: the leave removes the group item the join wrote after its first delete', async () => {
    const out = await play(6, [
      ['leave', 'DeleteItem G'],
      ['join', '...', ['PutItem R', 'PutItem G', 'BatchGetItem record+R']],
      ['leave', '...', LEAVE_REPAIRS],
    ])
    expectConsistent(out, false)
  })

  it('two joins and a leave: the group item left is a different join’s than the R the leave removed', async () => {
    // A check of "the token of the R I removed" alone would keep this group item.
    const out = await play(7, [
      ['join', 'PutItem R'],
      ['join2', '...', ['PutItem R', 'PutItem G', 'BatchGetItem record+R']],
      ['leave', 'DeleteItem G'],
      ['join', 'PutItem G'],
      ['join', '...', ['BatchGetItem record+R']],
      ['leave', '...', LEAVE_REPAIRS],
    ])
    expectConsistent(out, false)
  })

  it('a leave’s repair spares a join that wrote R again after the leave removed it', async () => {
    const out = await play(8, [
      ['leave', 'DeleteItem G'],
      ['join', 'PutItem R'],
      ['leave', 'DeleteItem R'],
      ['join2', 'PutItem R'],
      ['join', 'PutItem G'],
      ['join2', 'PutItem G'],
      ['join', '...', ['BatchGetItem record+R']],
      ['join2', '...', ['BatchGetItem record+R']],
      // G (join2's) and R (join2's) are both there: the membership join2 made stands.
      ['leave', '...', ['GetItem G', 'GetItem R']],
    ])
    expectConsistent(out, true)
  })
})

describe('a group item alone (a call that died mid-race, or an abandoned write landing late)', () => {
  const seedLoneGroupItem = async (table: string, id: string, token?: string) => {
    const doc = DynamoDBDocumentClient.from(db.client())
    const expiresAt = Math.floor(Date.now() / 1000) + 3600
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { ...memberKey('room', id), expiresAt, ...(token ? { token } : {}) },
      }),
    )
  }

  it('is removed by a leave, with or without a token (an item written before tokens has none)', async () => {
    for (const [n, token] of [
      [1, 'some-token'],
      [2, undefined],
    ] as const) {
      const table = await db.table()
      const store = await db.store({ tableName: table })
      const id = connectionId(n, 'L')
      await store.put(record(id))
      await seedLoneGroupItem(table, id, token)
      expect(await collect(store.members('room'))).toEqual([id])
      await store.leave(id, 'room')
      expect((await db.scan(table)).filter((i) => i.sk !== 'meta')).toEqual([])
    }
  })

  it('is pruned by the first group broadcast after its connection goes', async () => {
    const table = await db.table()
    const store = await db.store({ tableName: table })
    const id = connectionId(3, 'L')
    await store.put(record(id, { endpoint: EP, connectedAt: Date.now() - 120_000 }))
    await seedLoneGroupItem(table, id, 'some-token')
    expect([await collect(store.members('room')), await collect(store.groups(id))]).toEqual([[id], []])
    // Its $disconnect does not see the group (the connection's side is missing)...
    expect((await store.delete(id)).groups).toEqual([])
    // ...but the group broadcast that gets 410 for it removes it, once and for all.
    const fake = new FakeStreamer({ strict: false, endpoint: EP })
    fake.gone(id)
    const deps = { store, streamer: fake.client(EP) }
    expect(await broadcast(deps, 'room', 'hi')).toMatchObject({ gone: [id], pruned: [id] })
    expect(await collect(store.members('room'))).toEqual([])
    expect(await broadcast(deps, 'room', 'hi')).toMatchObject({ sent: [], gone: [] })
  })
})
