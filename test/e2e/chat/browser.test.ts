import { mkdirSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumPresent, launchChromium } from '../../chromium.js'
import { type Gateway, startChat } from './harness.js'

// The chat page, served by the App's GET / route on the gateway and talking through
// socketeer/client, in a real headless Chromium: two tabs, a message typed in one shows
// up in both, set apart as one's own in the tab that sent it. Debian's chromium only
// (never a downloaded browser); absent, the test says so and skips.

const present = chromiumPresent('browser test')
const SHOTS = new URL('../../../test-output/screenshots/', import.meta.url)

describe.skipIf(!present)('chat page in headless Chromium', () => {
  let gw: Gateway
  let browser: Browser

  beforeAll(async () => {
    ;({ gw } = await startChat())
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium()
  }, 40_000)
  afterAll(async () => {
    await browser?.close()
    await gw?.close()
  })

  it('two tabs chat: own messages set apart, times and routes shown, nothing answered 404', async () => {
    const context = await browser.newContext()
    const alice = await context.newPage()
    const bob = await context.newPage()
    const errors: string[] = []
    const failed: string[] = []
    for (const page of [alice, bob]) {
      page.on('pageerror', (e) => errors.push(e.message))
      page.on('response', (r) => {
        if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`)
      })
      page.on('requestfailed', (r) => failed.push(`failed ${r.url()}`))
    }

    await alice.goto(`${gw.httpUrl}/?name=alice`)
    await alice.waitForSelector('body[data-state="open"]', { timeout: 10_000 })
    await bob.goto(`${gw.httpUrl}/?name=bob`)
    await bob.waitForSelector('body[data-state="open"]', { timeout: 10_000 })
    expect(gw.connections()).toHaveLength(2)

    // whoami answered each tab's request on its own socket (route response).
    await alice.locator('#log li.whoami', { hasText: 'you are alice' }).waitFor({ timeout: 5_000 })
    await bob.locator('#log li.whoami', { hasText: 'you are bob' }).waitFor({ timeout: 5_000 })
    await alice.locator('#log li.presence', { hasText: 'bob joined' }).waitFor({ timeout: 5_000 })

    await bob.fill('#message', 'hello from the other tab')
    await bob.press('#message', 'Enter')
    const crossed = alice.locator('#log li.message', { hasText: 'hello from the other tab' })
    await crossed.waitFor({ timeout: 5_000 })
    expect(await crossed.locator('.from').textContent()).toBe('bob')
    expect(await crossed.locator('.meta').textContent()).toMatch(/^\d\d:\d\d(\s?[AP]M)? · via say$/)
    expect(await crossed.getAttribute('class')).toBe('message')
    // In bob's tab the same message is his own.
    await bob
      .locator('#log li.message.mine', { hasText: 'hello from the other tab' })
      .waitFor({ timeout: 5_000 })

    // A REST notice reaches both tabs.
    const res = await fetch(`${gw.httpUrl}/notice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'notice for the browsers' }),
    })
    expect(res.status).toBe(200)
    for (const page of [alice, bob])
      await page.locator('#log li.notice', { hasText: 'notice for the browsers' }).waitFor({ timeout: 5_000 })

    // A message the route refuses comes back as a typed error, shown in the sender's tab.
    const refused = await alice.evaluate(() =>
      (globalThis as any).chat.client.request('say', { text: '   ' }).then(
        () => 'answered',
        (e: { name: string; code: string }) => `${e.name} ${e.code}`,
      ),
    )
    expect(refused).toBe('ServerError bad_request')
    await alice.fill('#message', 'x'.repeat(2_000))
    await alice.press('#message', 'Enter')
    await alice.locator('#log li.message.mine').waitFor({ timeout: 5_000 })

    await alice.screenshot({ path: new URL('chat-alice.png', SHOTS).pathname })
    await bob.screenshot({ path: new URL('chat-bob.png', SHOTS).pathname })
    expect(errors).toEqual([])
    expect(failed).toEqual([])
    await context.close()
  })
})
