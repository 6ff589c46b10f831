import { CONNECTIONS_TABLE_ENV } from 'socketeer'
import { startGateway } from 'socketeer/dev'
import { DynamoConnectionStore } from 'socketeer/dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChatApp } from '../../../examples/chat/app.js'
import { clientConfig, collect, useDynalite } from '../../connections/helpers.js'
import { Client, type Gateway } from './harness.js'

// The chat as deployed: configured by the environment the CDK construct sets, its
// connections in DynamoDB (dynalite here), and each route served by another App
// instance, as separate Lambda instances would. No instance sees the others' memory.

const db = useDynalite()
const ENV = [CONNECTIONS_TABLE_ENV, 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION'] as const

describe('chat example on DynamoDB, one App instance per route', () => {
  let gw: Gateway
  let table: string
  let alice: Client
  let bob: Client
  const saved: Record<string, string | undefined> = {}
  // The test's own view of the table, apart from the App instances'.
  const store = () => new DynamoConnectionStore({ tableName: table, clientConfig: clientConfig(db.endpoint) })

  beforeAll(async () => {
    table = await db.table()
    for (const k of ENV) saved[k] = process.env[k]
    process.env[CONNECTIONS_TABLE_ENV] = table
    process.env.AWS_ENDPOINT_URL_DYNAMODB = db.endpoint
    process.env.AWS_REGION = 'us-east-1'
    const instance = () => createChatApp({ logLevel: 'silent' }).handler
    gw = await startGateway({
      handler: instance(), // POST /notice
      routes: { $connect: instance(), $disconnect: instance(), sendmessage: instance(), whoami: instance() },
      port: 0,
      routeResponses: ['whoami'],
      logger: false,
    })
    alice = await Client.open(`${gw.url}?name=alice`)
    bob = await Client.open(`${gw.url}?name=bob`)
  })
  afterAll(async () => {
    await alice?.close()
    await bob?.close()
    await gw?.close()
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k]
      else process.env[k] = saved[k]
    }
  })

  it('keeps the name and the lobby membership in the table', async () => {
    await alice.nextOf('presence', { event: 'joined', name: 'bob', online: 2 })
    alice.send({ action: 'whoami' })
    const me = await alice.nextOf('whoami')
    expect(me).toMatchObject({ name: 'alice', online: 2 })
    expect((await store().get(me.connectionId))?.attributes).toEqual({ name: 'alice' })
    expect(await collect(store().members('lobby'))).toContain(me.connectionId)
  })

  it('broadcasts a message and a REST notice to everyone', async () => {
    bob.send({ action: 'sendmessage', message: 'hello from bob' })
    for (const c of [alice, bob])
      expect((await c.nextOf('message', { text: 'hello from bob' })).from).toBe('bob')
    const res = await fetch(`${gw.httpUrl}/notice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'from the table' }),
    })
    expect(await res.json()).toEqual({ delivered: 2, gone: 0 })
    for (const c of [alice, bob]) await c.nextOf('notice', { text: 'from the table' })
  })

  it('announces a departure, and the table forgets the departed', async () => {
    bob.send({ action: 'whoami' })
    const bobId = (await bob.nextOf('whoami')).connectionId
    await bob.close()
    await alice.nextOf('presence', { event: 'left', name: 'bob', online: 1 })
    expect(await store().get(bobId)).toBeUndefined()
    expect(await collect(store().members('lobby'))).not.toContain(bobId)
    const res = await fetch(`${gw.httpUrl}/notice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'only alice now' }),
    })
    expect(await res.json()).toEqual({ delivered: 1, gone: 0 })
  })
})
