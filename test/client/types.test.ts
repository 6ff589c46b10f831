import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { createClient, type ServerError } from '../../src/client/index.js'
import { App } from '../../src/index.js'

// Types flow from the App's route declarations to the client, with no code generation:
// a wrong action, a wrong data shape or a misuse of a reply is a compile error
// (`tsc --noEmit` checks this file; vitest runs the few run-time lines).

const app = new App()
  .webSocket('say', { data: z.object({ text: z.string().max(200) }) }, (ctx) => {
    expectTypeOf(ctx.data).toEqualTypeOf<{ text: string }>()
    return { at: 1, text: ctx.data.text }
  })
  .webSocket('whoami', async () => ({ name: 'ada' }))
  .webSocket('ping', () => {})
  .webSocket('$connect', () => {})

type Chat = typeof app

describe('client types from typeof app', () => {
  it('types actions, data and replies', () => {
    const c = createClient<Chat>('ws://127.0.0.1:1/dev', { session: false, WebSocket: NoSocket })
    c.send('say', { text: 'hi' })
    // Compiled, never called: requests would reject on close.
    const _types = () => {
      expectTypeOf(c.request('say', { text: 'hi' })).toEqualTypeOf<Promise<{ at: number; text: string }>>()
      expectTypeOf(c.request('whoami')).toEqualTypeOf<Promise<{ name: string }>>()
      expectTypeOf(c.request('ping')).toEqualTypeOf<Promise<undefined>>()
      c.request('say', { text: 'hi' }, { timeout: 10 }).catch((e: ServerError) => e.code)

      // @ts-expect-error: no such action
      c.send('shout', { text: 'hi' })
      // @ts-expect-error: data of the wrong shape
      c.send('say', { txt: 'hi' })
      // @ts-expect-error: data is required on a route with a schema
      c.send('say')
      // @ts-expect-error: $connect is not an action a client sends
      c.send('$connect')
      // @ts-expect-error: the reply has no such field
      c.request('whoami').then((r) => r.nope)
    }

    const off = c.on('open', (info) =>
      expectTypeOf(info.reason).toEqualTypeOf<'initial' | 'reconnect' | 'rotate'>(),
    )
    expectTypeOf(off).toEqualTypeOf<() => void>()
    c.close()
  })

  it('an untyped client takes any action', () => {
    const c = createClient('ws://127.0.0.1:1/dev', { session: false, WebSocket: NoSocket })
    c.send('anything', { at: 'all' })
    const _types = () => expectTypeOf(c.request('x')).toEqualTypeOf<Promise<unknown>>()
    c.close()
  })
})

// A socket that never connects: the tests above only exercise types and sends into the queue.
class NoSocket {
  readyState = 0
  protocol = ''
  onopen = null
  onmessage = null
  onclose = null
  onerror = null
  send(): void {}
  close(): void {}
}
