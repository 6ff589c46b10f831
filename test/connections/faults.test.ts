import type { AddressInfo } from 'node:net'
import { createServer, type Socket } from 'node:net'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoConnectionStore } from '../../src/connections/dynamo.js'
import { ConnectionStoreError, ConnectionStoreTimeoutError } from '../../src/connections/errors.js'
import { clientConfig, collect, connectionId, record, useDynalite } from './helpers.js'

// DynamoConnectionStore under faults: an endpoint that never answers, SDK errors, and a
// failure injected between the two writes of a membership.

const db = useDynalite()

describe('an endpoint that accepts and never answers (paused or black-holed)', () => {
  let hole: import('node:net').Server
  const sockets: Socket[] = []
  let endpoint = ''
  beforeAll(async () => {
    hole = createServer((s) => {
      sockets.push(s)
      s.on('error', () => {})
    })
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()))
    endpoint = `http://127.0.0.1:${(hole.address() as AddressInfo).port}`
  })
  afterAll(() => {
    for (const s of sockets) s.destroy()
    hole.close()
  })

  it('every store call fails with ConnectionStoreTimeoutError after requestTimeoutMs, never hangs', async () => {
    const store = new DynamoConnectionStore({
      tableName: 't',
      clientConfig: { ...clientConfig(endpoint), maxAttempts: 1 },
      requestTimeoutMs: 250,
    })
    const id = connectionId(1)
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['put', () => store.put(record(id))],
      ['get', () => store.get(id)],
      ['delete', () => store.delete(id)],
      ['join', () => store.join(id, 'room')],
      ['leave', () => store.leave(id, 'room')],
      ['members', () => collect(store.members('room'))],
      ['groups', () => collect(store.groups(id))],
    ]
    for (const [operation, call] of calls) {
      const started = Date.now()
      const error = await call().catch((e: unknown) => e)
      expect([operation, error]).toEqual([operation, expect.any(ConnectionStoreTimeoutError)])
      expect((error as ConnectionStoreTimeoutError).operation).toBe(operation)
      expect((error as ConnectionStoreTimeoutError).status).toBe(503)
      expect((error as Error).cause).toBeDefined()
      expect(Date.now() - started).toBeLessThan(3000)
    }
  })

  it('the option is checked (the default is 10 s)', () => {
    expect(() => new DynamoConnectionStore({ tableName: 't', requestTimeoutMs: 0 })).toThrow(
      /requestTimeoutMs/,
    )
    expect(() => new DynamoConnectionStore({ tableName: 't', requestTimeoutMs: Number.NaN })).toThrow(
      /requestTimeoutMs/,
    )
  })
})

describe('SDK errors become socketeer-typed errors', () => {
  it('a missing table: ConnectionStoreError (503) with the SDK error as cause', async () => {
    const store = await db.store({ tableName: 'no-such-table' })
    const error = await store.get(connectionId(2)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionStoreError)
    expect(error).not.toBeInstanceOf(ConnectionStoreTimeoutError)
    expect((error as ConnectionStoreError).operation).toBe('get')
    expect((error as ConnectionStoreError).code).toBe('connection_store_unavailable')
    expect(((error as Error).cause as Error).name).toBe('ResourceNotFoundException')
  })
})

/** A client that fails the requests `fail` picks (by operation and parsed body). */
function faultyClient(endpoint: string, fail: (op: string, body: any) => boolean) {
  const client = new DynamoDBClient({ ...clientConfig(endpoint), maxAttempts: 1 })
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      const op =
        String(args.request?.headers?.['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? ''
      const raw = args.request?.body ?? ''
      const body = JSON.parse(typeof raw === 'string' ? raw || '{}' : new TextDecoder().decode(raw) || '{}')
      if (fail(op, body)) throw Object.assign(new Error('injected fault'), { name: 'InternalServerError' })
      return next(args)
    },
    { step: 'finalizeRequest', name: 'socketeerTestFault' },
  )
  return client
}

describe('a failure between a membership’s two writes leaves no visible half state', () => {
  it('join: the group write fails and so does the rollback; groups() does not list it, and a retry repairs', async () => {
    const table = await db.table()
    const id = connectionId(3)
    let broken = true
    const client = faultyClient(db.endpoint, (op, body) => {
      if (!broken) return false
      const pk = body.Item?.pk?.S ?? body.Key?.pk?.S ?? ''
      // The group's item (group#room → conn#id) and the rollback of the connection's item.
      return (op === 'PutItem' && pk === 'group#room') || (op === 'DeleteItem' && pk === `conn#${id}`)
    })
    const store = new DynamoConnectionStore({ tableName: table, client })
    await store.put(record(id))
    const error = await store.join(id, 'room').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectionStoreError)
    // The connection's item is on the table (the rollback failed too) ...
    const items = await db.scan(table)
    expect(items.some((i) => i.pk === `conn#${id}` && i.sk === 'group#room')).toBe(true)
    // ... but no reader sees a one-sided membership.
    expect(await collect(store.groups(id))).toEqual([])
    expect(await collect(store.members('room'))).toEqual([])
    broken = false
    await store.join(id, 'room')
    expect(await collect(store.groups(id))).toEqual(['room'])
    expect(await collect(store.members('room'))).toEqual([id])
  })

  it('leave: the second delete fails; groups() and members() agree, and a retry completes it', async () => {
    const table = await db.table()
    const id = connectionId(4)
    let broken = false
    const client = faultyClient(
      db.endpoint,
      (op, body) => broken && op === 'DeleteItem' && body.Key?.pk?.S === `conn#${id}`,
    )
    const store = new DynamoConnectionStore({ tableName: table, client })
    await store.put(record(id))
    await store.join(id, 'room')
    broken = true
    await expect(store.leave(id, 'room')).rejects.toBeInstanceOf(ConnectionStoreError)
    expect(await collect(store.members('room'))).toEqual([])
    expect(await collect(store.groups(id))).toEqual([])
    broken = false
    await store.leave(id, 'room')
    expect((await db.scan(table)).filter((i) => i.sk === 'group#room' || i.pk === 'group#room')).toEqual([])
  })

  it('the delete removes what a failed join left', async () => {
    const table = await db.table()
    const id = connectionId(5)
    let broken = true
    const client = faultyClient(db.endpoint, (op, body) => {
      const pk = body.Item?.pk?.S ?? body.Key?.pk?.S ?? ''
      return (
        broken && ((op === 'PutItem' && pk === 'group#room') || (op === 'DeleteItem' && pk === `conn#${id}`))
      )
    })
    const store = new DynamoConnectionStore({ tableName: table, client })
    await store.put(record(id))
    await store.join(id, 'room').catch(() => {})
    broken = false
    await store.delete(id)
    expect((await db.scan(table)).filter((i) => i.sk !== 'meta')).toEqual([])
  })
})
