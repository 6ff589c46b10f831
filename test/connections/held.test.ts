import { describe, expect, it } from 'vitest'
import { ConnectionStoreValidationError } from '../../src/connections/errors.js'
import { HELD_PAGE_BYTES, type HeldMessagesOptions } from '../../src/connections/held.js'
import { MemoryConnectionStore } from '../../src/connections/memory.js'
import type { ConnectionStore } from '../../src/connections/types.js'
import { useDynalite } from './helpers.js'

// Messages held for a socketeer/client session with no live connection: the same bounds,
// order and paging from both stores (DynamoDB on dynalite, through the real SDK).

const db = useDynalite()
type Make = (held?: HeldMessagesOptions | false) => Promise<Required<ConnectionStore>>
const stores: Array<[string, Make]> = [
  [
    'memory',
    async (heldMessages) => new MemoryConnectionStore({ heldMessages }) as Required<ConnectionStore>,
  ],
  ['dynamo', async (heldMessages) => (await db.store({ heldMessages })) as Required<ConnectionStore>],
]
const SESSION = 'sessionABCDEFGHIJ_-12'
const texts = (page: { messages: { text: string }[] }) => page.messages.map((m) => m.text)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.each(stores)('%s store', (_name, make) => {
  it('holds messages in order and releases the delivered ones; other sessions see none', async () => {
    const store = await make()
    const before = Math.floor(Date.now() / 1000)
    const held = []
    for (const n of [1, 2, 3])
      held.push(await store.holdSessionMessage(SESSION, { id: `m${n}`, text: `{"n":${n}}` }))
    expect(held.map((h) => h?.id)).toEqual(['m1', 'm2', 'm3'])
    expect(held[0]!.expiresAt).toBeGreaterThanOrEqual(before + 600)
    expect(held[0]!.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 600)
    const page = await store.heldSessionMessages(SESSION)
    expect(texts(page)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}'])
    expect(page.more).toBe(false)
    expect(texts(await store.heldSessionMessages('another-session-0123456'))).toEqual([])
    await store.releaseSessionMessages(SESSION, [held[0]!.seq, held[2]!.seq])
    expect(texts(await store.heldSessionMessages(SESSION))).toEqual(['{"n":2}'])
    await store.releaseSessionMessages(SESSION, [held[1]!.seq, held[1]!.seq])
    expect(texts(await store.heldSessionMessages(SESSION))).toEqual([])
  })

  it('keeps at most `limit` per session, dropping the oldest', async () => {
    const store = await make({ limit: 3 })
    for (let n = 1; n <= 6; n++) await store.holdSessionMessage(SESSION, { id: `m${n}`, text: `${n}` })
    expect(texts(await store.heldSessionMessages(SESSION))).toEqual(['4', '5', '6'])
  })

  it('drops a message past its age; holds nothing when holding is off or the message could never be delivered', async () => {
    const store = await make({ maxAgeSeconds: 1 })
    await store.holdSessionMessage(SESSION, { id: 'old', text: '"old"' })
    await sleep(1_100)
    await store.holdSessionMessage(SESSION, { id: 'new', text: '"new"' })
    expect(texts(await store.heldSessionMessages(SESSION))).toEqual(['"new"'])
    expect(
      await store.holdSessionMessage(SESSION, { id: 'big', text: 'x'.repeat(HELD_PAGE_BYTES + 1) }),
    ).toBe(undefined)
    const off = await make(false)
    expect(await off.holdSessionMessage(SESSION, { id: 'a', text: '1' })).toBe(undefined)
    expect(texts(await off.heldSessionMessages(SESSION))).toEqual([])
  })

  it('a page stops at one reply’s worth of text and says there is more', async () => {
    const store = await make()
    const chunk = 'y'.repeat(40 * 1024)
    for (let n = 1; n <= 5; n++)
      await store.holdSessionMessage(SESSION, { id: `m${n}`, text: `${n}${chunk}` })
    const seen: string[] = []
    for (;;) {
      const page = await store.heldSessionMessages(SESSION)
      expect(page.messages.length).toBeGreaterThan(0)
      expect(page.messages.reduce((a, m) => a + m.text.length, 0)).toBeLessThanOrEqual(HELD_PAGE_BYTES)
      seen.push(...page.messages.map((m) => m.text[0]!))
      await store.releaseSessionMessages(
        SESSION,
        page.messages.map((m) => m.seq),
      )
      if (!page.more) break
    }
    expect(seen).toEqual(['1', '2', '3', '4', '5'])
  })

  it('refuses what is not a session id, and bad bounds', async () => {
    const store = await make()
    await expect(store.holdSessionMessage('short', { id: 'a', text: '1' })).rejects.toBeInstanceOf(
      ConnectionStoreValidationError,
    )
    await expect(make({ limit: 0 })).rejects.toBeInstanceOf(ConnectionStoreValidationError)
    await expect(make({ maxAgeSeconds: 1.5 })).rejects.toBeInstanceOf(ConnectionStoreValidationError)
  })
})
