import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Gateway, startChat } from './harness.js'

// The chat page, served by the App's GET / route on the gateway, in a real headless
// Chromium: two tabs, a message typed in one shows up in the other. Debian's
// chromium only (never a downloaded browser); absent, the test says so and skips.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const present = existsSync(CHROMIUM)
if (!present) console.warn(`SKIPPED: browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`)

describe.skipIf(!present)('chat page in headless Chromium', () => {
  let gw: Gateway
  let browser: Browser

  beforeAll(async () => {
    ;({ gw } = await startChat())
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 30_000,
    })
  }, 40_000)
  afterAll(async () => {
    await browser?.close()
    await gw?.close()
  })

  it('two tabs chat: a message sent in one appears in the other', async () => {
    const context = await browser.newContext()
    const alice = await context.newPage()
    const bob = await context.newPage()
    const errors: string[] = []
    for (const page of [alice, bob]) page.on('pageerror', (e) => errors.push(e.message))

    await alice.goto(`${gw.httpUrl}/?name=alice`)
    await alice.waitForSelector('body[data-state="open"]', { timeout: 10_000 })
    await bob.goto(`${gw.httpUrl}/?name=bob`)
    await bob.waitForSelector('body[data-state="open"]', { timeout: 10_000 })
    expect(gw.connections()).toHaveLength(2)

    // whoami came back on each tab's own socket (route response).
    await alice.locator('#log li.whoami', { hasText: 'you are alice' }).waitFor({ timeout: 5_000 })
    await bob.locator('#log li.whoami', { hasText: 'you are bob' }).waitFor({ timeout: 5_000 })
    await alice.locator('#log li.presence', { hasText: 'bob joined' }).waitFor({ timeout: 5_000 })

    await bob.fill('#message', 'hello from the other tab')
    await bob.press('#message', 'Enter')
    const crossed = alice.locator('#log li.message', { hasText: 'hello from the other tab' })
    await crossed.waitFor({ timeout: 5_000 })
    expect(await crossed.locator('.from').textContent()).toBe('bob: ')

    // A REST notice reaches both tabs.
    const res = await fetch(`${gw.httpUrl}/notice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'notice for the browsers' }),
    })
    expect(res.status).toBe(200)
    for (const page of [alice, bob])
      await page.locator('#log li.notice', { hasText: 'notice for the browsers' }).waitFor({ timeout: 5_000 })

    expect(errors).toEqual([])
    await context.close()
  })
})
