import { execFile, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumPresent, launchChromium } from '../../chromium.js'
import { type Client, connected, sleep, start } from '../helpers.js'
import { handler } from './fixtures/app.js'
import { REPO, runSnippet } from './helpers.js'

// The inspector page in a real headless Chromium (Debian's, never a downloaded one),
// over a real gateway: two `ws` clients, a message between them, a boto3 post, and the
// page's own actions. Screenshots go to test-output/screenshots/ (git-ignored).

const present = chromiumPresent('inspector browser test')
const boto3 = spawnSync('python3', ['-c', 'import boto3'], { timeout: 15_000 }).status === 0
if (!boto3)
  console.warn('SKIPPED: the boto3 part of the inspector browser test: python3 with boto3 not found')
const SHOTS = `${REPO}test-output/screenshots`
// Generous: the machine running the suite may be busy.
const WAIT = 15_000

const BOTO3_POST = `
import sys, boto3
c = boto3.client('apigatewaymanagementapi', endpoint_url=sys.argv[1], region_name='us-east-1',
                 aws_access_key_id='local', aws_secret_access_key='local')
c.post_to_connection(ConnectionId=sys.argv[2], Data=b'hello from boto3')
`

function python(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'python3',
      args,
      { timeout: 30_000, env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' } },
      (error, _out, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stderr }),
    )
  })
}

describe.skipIf(!present)('inspector page in headless Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium()
  }, 40_000)
  afterAll(async () => {
    await browser?.close()
  })

  async function open(url: string, colorScheme: 'dark' | 'light' = 'dark') {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => {
      // The refusals the test provokes (413, 410) are logged by Chromium as failed loads: expected.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text())
    })
    await page.goto(url)
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 })
    return { page, errors, context }
  }

  const eventRow = (page: Page, text: string, kind = '') =>
    page.locator(`#timeline tbody tr${kind ? `[data-kind="${kind}"]` : ''}`, { hasText: text }).first()

  it('shows connections, events with their Lambda event and result, a boto3 call and a close code; its actions work', async () => {
    const { gw } = await start({ handler, routeResponses: ['echo'], inspector: { appImport: './app.js' } })
    const alice: Client = await connected(`${gw.url}?name=alice`, undefined, {
      headers: { 'User-Agent': 'alice-browserless' },
    })
    const bob: Client = await connected(`${gw.url}?name=bob`)
    const [aliceId, bobId] = gw.connections() as [string, string]
    const { page, errors } = await open(gw.inspectorUrl!)

    // Both connections, live.
    await page.locator(`#connections tr[data-id="${aliceId}"]`).waitFor({ timeout: WAIT })
    await page.locator(`#connections tr[data-id="${bobId}"]`).waitFor({ timeout: WAIT })

    // A message from alice to bob: the event, its result and the call it made.
    alice.ws.send(JSON.stringify({ action: 'tell', to: bobId, text: 'hi bob' }))
    expect(JSON.parse((await bob.next()).data).text).toBe('hi bob')
    await eventRow(page, 'tell', 'MESSAGE').click()
    const tellSeq = await eventRow(page, 'tell', 'MESSAGE').getAttribute('data-seq')
    await page.locator('#detail-event pre').waitFor({ timeout: WAIT })
    expect(await page.locator('#detail-event pre').textContent()).toContain('"routeKey": "tell"')
    expect(await page.locator('#detail-result pre').textContent()).toContain('"statusCode": 200')
    const calls = page.locator('#detail-calls .call')
    expect(await calls.count()).toBe(1)
    expect(await calls.first().textContent()).toContain(`POST ${bobId} 200`)
    await page.screenshot({ path: `${SHOTS}/inspector-message-dark.png` })

    // A boto3 post from another process: a MANAGE record naming boto3.
    if (boto3) {
      const r = await python(['-c', BOTO3_POST, gw.managementEndpoint, aliceId])
      expect(r.code, r.stderr).toBe(0)
      expect((await alice.next()).data).toBe('hello from boto3')
      const row = eventRow(page, 'Boto3/')
      await row.waitFor({ timeout: WAIT })
      expect(await row.textContent()).toContain('POST @connections')
      await row.click()
      await page.locator('#detail-data pre', { hasText: 'hello from boto3' }).waitFor({ timeout: WAIT })
    }

    // Post from the page to alice.
    await page.locator(`#connections tr[data-id="${aliceId}"]`).click()
    await page.fill('#post-text', 'from the page')
    await page.click('#post-send')
    expect((await alice.next()).data).toBe('from the page')
    await page.locator('#toast', { hasText: `Posted 13 bytes to ${aliceId}` }).waitFor({ timeout: WAIT })

    // A huge body: a clear message, the gateway unharmed.
    await page.fill('#post-text', 'x'.repeat(200 * 1024))
    await page.click('#post-send')
    await page
      .locator('#toast[data-kind="error"]', { hasText: 'over 131072 bytes' })
      .waitFor({ timeout: WAIT })
      .catch(async (e) => {
        throw new Error(`${e.message}; the toast says ${await page.locator('#toast').textContent()}`)
      })

    // Disconnect bob from the page: 1000, as DeleteConnection does; the row shows the close code.
    await page.locator(`#connections tr[data-id="${bobId}"]`).click()
    await page.click('#disconnect')
    expect((await bob.closed).code).toBe(1000)
    await page
      .locator(`#connections tr.closed[data-id="${bobId}"]`, { hasText: '1000' })
      .waitFor({ timeout: WAIT })

    // A connection that closed while selected: posting says so.
    await page.locator(`#connections tr[data-id="${aliceId}"]`).click()
    await page.fill('#post-text', 'too late')
    alice.ws.close(4001, 'bye')
    await alice.closed
    await sleep(100)
    await page.click('#post-send').catch(() => {})
    if (await page.locator('#post-send').count()) {
      await page
        .locator('#toast[data-kind="error"]', { hasText: 'No open connection' })
        .waitFor({ timeout: WAIT })
    }
    await page
      .locator(`#connections tr.closed[data-id="${aliceId}"]`, { hasText: '4001' })
      .waitFor({ timeout: WAIT })

    // The test client: a new connection from the page itself.
    await page.fill('#tc-query', 'name=tester')
    await page.click('#tc-connect')
    await page.locator('#tc-send:not([disabled])').waitFor({ timeout: WAIT })
    await page.fill('#tc-text', '{"action":"echo","from":"page"}')
    await page.click('#tc-send')
    await page.locator('#tc-log', { hasText: '← {"action":"echo","from":"page"}' }).waitFor({ timeout: WAIT })

    // Filter the timeline by route.
    await page.fill('#f-route', 'echo')
    await sleep(50)
    const kinds = await page.locator('#timeline tbody tr').allTextContents()
    expect(kinds.length).toBeGreaterThan(0)
    expect(kinds.every((t) => t.includes('echo'))).toBe(true)
    await page.fill('#f-route', '')

    // Replay the tell after a reload: the page says the code changed.
    gw.update({ handler })
    await eventRow(page, 'tell', 'MESSAGE').click()
    await page.click('#replay')
    await page.locator('#toast', { hasText: 'reloaded since' }).waitFor({ timeout: WAIT })
    // The page selects the replayed event shortly after its toast: let it, before choosing another.
    const replayed = /Replayed as #(\d+)/.exec((await page.locator('#toast').textContent()) ?? '')?.[1]
    await page.locator('#detail-title', { hasText: `#${replayed} ` }).waitFor({ timeout: WAIT })

    // Copy the first tell as a test; the text runs green.
    await page.locator(`#timeline tbody tr[data-seq="${tellSeq}"]`).click()
    // The detail loads after the click: the Copy button before that is the previous event's.
    await page.locator('#detail-title', { hasText: `#${tellSeq} MESSAGE` }).waitFor({ timeout: WAIT })
    await page.click('#copy-test')
    await page.locator('#snippet[open]').waitFor({ timeout: WAIT })
    const text = await page.inputValue('#snippet-text')
    await page.screenshot({ path: `${SHOTS}/inspector-snippet-dark.png` })
    await page.click('#snippet-close')
    expect(text).toContain(`(#${tellSeq})`)
    const run = await runSnippet('browser', text)
    expect(run.code, `${run.output}\n${text}`).toBe(0)

    await eventRow(page, 'tell', 'MESSAGE').click()
    await page.locator('#detail-event pre').waitFor({ timeout: WAIT })
    await page.screenshot({ path: `${SHOTS}/inspector-dark.png` })
    // A smaller laptop screen.
    await page.setViewportSize({ width: 1280, height: 720 })
    if (boto3) await eventRow(page, 'Boto3/').click()
    await sleep(200)
    await page.screenshot({ path: `${SHOTS}/inspector-1280.png` })
    // Every column of the connections table fits its panel at this width (long text is cut
    // with an ellipsis, the whole of it in the cell's title).
    const fits = await page.evaluate(() => {
      const document = (globalThis as any).document
      const box = document.querySelector('#connections')!.parentElement!.getBoundingClientRect()
      return [...document.querySelectorAll('#connections th')]
        .filter((th: any) => th.getBoundingClientRect().width > 0)
        .map((th: any) => {
          const r = th.getBoundingClientRect()
          return { column: th.textContent, inside: r.left >= box.left - 1 && r.right <= box.right + 1 }
        })
    })
    expect(fits).toEqual(fits.map((f) => ({ column: f.column, inside: true })))
    expect(fits.map((f) => f.column)).toContain('state')
    expect(errors).toEqual([])
  }, 150_000)

  it('reads well in light mode, and an unknown event number is a clear message', async () => {
    const { gw } = await start({ handler, inspector: true })
    const a = await connected(gw.url)
    a.ws.send('hello')
    await a.next()
    a.ws.send(JSON.stringify({ action: 'boom' }))
    await a.next().catch(() => {})
    const { page } = await open(gw.inspectorUrl!, 'light')
    await eventRow(page, 'boom').click()
    await page.locator('#detail-error pre', { hasText: 'boom on purpose' }).waitFor({ timeout: WAIT })
    const bg = await page.evaluate('getComputedStyle(document.body).backgroundColor')
    expect(bg).toBe('rgb(247, 247, 248)')
    await page.screenshot({ path: `${SHOTS}/inspector-light.png` })
    const message = await page.evaluate(async () => {
      const res = await fetch('/_socketeer/api/events/424242')
      return { status: res.status, body: (await res.json()) as { message: string } }
    })
    expect(message.status).toBe(404)
    expect(message.body.message).toMatch(/#424242 is no longer held/)
  }, 60_000)
})
