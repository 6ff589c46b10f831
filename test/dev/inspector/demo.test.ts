import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { chromiumPresent, launchChromium } from '../../chromium.js'
import { REPO } from './helpers.js'

// `npm run demo` with the inspector beside the chat: the demo prints the inspector's URL,
// two chat tabs talk, the inspector shows the route that ran. The screenshot of both side
// by side (test-output/screenshots/demo-with-inspector.png) is the README's picture.

const built = existsSync(`${REPO}dist/dev/index.js`)
if (!built) console.warn('SKIPPED: demo inspector test: no dist/ (run `npm run build`; `npm test` does)')
const present = chromiumPresent('demo inspector test')
const SHOTS = `${REPO}test-output/screenshots`
// Generous: the machine running the suite may be busy.
const WAIT = 15_000

describe.skipIf(!built || !present)('npm run demo with the inspector', () => {
  let child: ChildProcess | undefined
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
    if (child && child.exitCode === null) child.kill('SIGKILL')
  })

  it('prints the inspector beside the chat page; the inspector shows the chat', async () => {
    mkdirSync(SHOTS, { recursive: true })
    child = spawn(process.execPath, ['examples/chat/demo.mjs'], {
      cwd: REPO,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stderr!.on('data', (d) => (out += d))
    const urls = await new Promise<{ page: string; inspector: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URLs in 15 s:\n${out}`)), 15_000)
      child!.stdout!.on('data', (d) => {
        out += d
        const page = /page\s+(http:\/\/\S+)/.exec(out)?.[1]
        const inspector = /inspector\s+(http:\/\/\S+)/.exec(out)?.[1]
        if (page && inspector) {
          clearTimeout(timer)
          resolve({ page, inspector })
        }
      })
    })
    expect(urls.inspector).toMatch(/\/_socketeer\/$/)

    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 560, height: 820 }, colorScheme: 'dark' })
    const alice = await context.newPage()
    const bob = await context.newPage()
    await alice.goto(`${urls.page}?name=alice`)
    await bob.goto(`${urls.page}?name=bob`)
    await alice.waitForSelector('body[data-state="open"]', { timeout: 10_000 })
    await bob.waitForSelector('body[data-state="open"]', { timeout: 10_000 })
    const inspector = await context.newPage()
    await inspector.setViewportSize({ width: 1180, height: 820 })
    await inspector.goto(urls.inspector)
    await inspector.waitForSelector('body[data-ready="true"]')
    await bob.fill('#message', 'hi alice, the inspector shows this message')
    await bob.press('#message', 'Enter')
    await alice.locator('#log', { hasText: 'the inspector shows this' }).waitFor({ timeout: WAIT })
    await alice.fill('#message', 'so it does')
    await alice.press('#message', 'Enter')
    await bob.locator('#log', { hasText: 'so it does' }).waitFor({ timeout: WAIT })

    const row = inspector
      // The chat page sends through socketeer/client's `say` request.
      .locator('#timeline tbody tr[data-kind="MESSAGE"]', { hasText: 'say' })
      .first()
    await row.waitFor({ timeout: WAIT })
    await row.click()
    await inspector.locator('#detail-event pre').waitFor({ timeout: WAIT })
    expect(await inspector.locator('#detail-calls .call').count()).toBeGreaterThanOrEqual(2)
    await inspector.locator('#connections tbody tr').first().click()
    // Beside the chat the connections panel is narrow: what it shows still fits, state included.
    const columns = await inspector.evaluate(() => {
      const document = (globalThis as any).document
      const box = document.querySelector('#conn-list')!.getBoundingClientRect()
      return [...document.querySelectorAll('#connections th')]
        .filter((th: any) => th.getBoundingClientRect().width > 0)
        .map((th: any) => {
          const r = th.getBoundingClientRect()
          return {
            column: th.textContent,
            fits: r.right <= box.right + 1 && th.scrollWidth <= th.clientWidth,
          }
        })
    })
    expect(columns.map((c) => c.column)).toContain('state')
    expect(columns.filter((c) => !c.fits)).toEqual([])

    // Both side by side, composed by the browser itself: the chat tab on the left.
    const chatShot = await alice.screenshot()
    const inspectorShot = await inspector.screenshot()
    const compose = await context.newPage()
    await compose.setViewportSize({ width: 1740, height: 820 })
    const img = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`
    await compose.setContent(
      `<body style="margin:0;background:#0b0c0f;display:flex;gap:0"><img src="${img(chatShot)}"><img src="${img(inspectorShot)}"></body>`,
    )
    await compose.waitForFunction('[...document.images].every((i) => i.complete)')
    const path = `${SHOTS}/demo-with-inspector.png`
    await compose.screenshot({ path })
    expect(readFileSync(path).length).toBeGreaterThan(10_000)

    child.kill('SIGINT')
  }, 60_000)
})
