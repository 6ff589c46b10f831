import { App } from 'socketeer'
import { events, FakeStreamer, invoke } from 'socketeer/testkit'
import { describe, expect, it } from 'vitest'

// The handler of docs/getting-started.md, run as the page says, so the page stays true.

process.env.TOKEN = 'let-me-in'

const app = new App({ logLevel: 'silent' })

app.webSocket('$connect', (ctx) => {
  const ws = ctx.asWebSocket()
  const token = process.env.TOKEN
  // Fails closed: with TOKEN unset, nobody gets in (undefined !== undefined is false).
  if (!token || ws.query.token !== token) ctx.reject(401) // the handshake fails with 401
})

app.webSocket('$default', async (ctx) => {
  const ws = ctx.asWebSocket()
  await ws.sendJSON({ echo: ws.json() }) // to this connection, through @connections
})

app.webSocket('sendmessage', async (ctx) => {
  const { message } = ctx.asWebSocket().json<{ message: string }>()
  ctx.log.info('message', { length: message.length })
})

app.get('/health', () => ({ ok: true }))

describe('docs/getting-started.md', () => {
  it('runs sendmessage and refuses a bad token, as the page shows', async () => {
    const { result } = await invoke(app, events.message({ routeKey: 'sendmessage', body: { message: 'hi' } }))
    expect(result).toStrictEqual({ statusCode: 200 })
    const refused = await invoke(app, events.connect({ query: { token: 'wrong' } }))
    expect(refused.result.statusCode).toBe(401)
    const accepted = await invoke(app, events.connect({ query: { token: 'let-me-in' } }))
    expect(accepted.result).toStrictEqual({ statusCode: 200 })
  })

  it('refuses everyone while TOKEN is unset, a missing token included', async () => {
    const saved = process.env.TOKEN
    delete process.env.TOKEN
    try {
      for (const query of [{}, { token: '' }, { token: 'anything' }]) {
        const { result } = await invoke(app, events.connect({ query }))
        expect(result.statusCode).toBe(401)
      }
    } finally {
      process.env.TOKEN = saved
    }
  })

  it('echoes on $default through @connections, and answers /health', async () => {
    const fake = new FakeStreamer()
    const connection = fake.connect()
    const { calls } = await invoke(app, events.message({ connectionId: connection, body: { hi: 1 } }), {
      fake,
    })
    expect(calls.map((c) => [c.op, c.connectionId, c.data])).toStrictEqual([
      ['post', connection, '{"echo":{"hi":1}}'],
    ])
    const { result } = await invoke(app, events.httpApi({ path: '/health' }))
    expect(JSON.parse(result.body)).toStrictEqual({ ok: true })
  })
})
