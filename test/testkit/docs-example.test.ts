import { expect, it } from 'vitest'
import { App } from '../../src/index.js'
import { events, invoke } from '../../testkit/index.js'

// The quick start of docs/testing.md, kept runnable so the page cannot drift.

const app = new App({ logLevel: 'silent' })
app.webSocket('$default', async (ctx) => {
  const ws = ctx.asWebSocket()
  await ws.sendJSON({ echo: ws.json() })
})

it('echoes the message back to the sender (docs/testing.md)', async () => {
  const event = events.message({ body: { text: 'hi' } })
  const { result, calls, fake } = await invoke(app, event)

  expect(result).toEqual({ statusCode: 200 })
  expect(calls).toHaveLength(1)
  fake.assertCalls([
    { op: 'post', connectionId: event.requestContext.connectionId, json: { echo: { text: 'hi' } } },
  ])
  expect(fake.receivedJSON(event.requestContext.connectionId)).toEqual([{ echo: { text: 'hi' } }])
  expect(() =>
    fake.assertCalls([{ op: 'post', connectionId: event.requestContext.connectionId, data: 'hi' }]),
  ).toThrow(
    /#0 differs: post .* data "\{\\"echo\\":\{\\"text\\":\\"hi\\"\}\}" \(22 chars\) → 200\n\s+data: expected "hi" \(2 chars\)/,
  )
})
