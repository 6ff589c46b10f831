import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumPresent, launchChromium } from '../chromium.js'
import type { RoomEntry } from './app.js'
import { clientBundle, type Gateway, sleep, startTestGateway } from './helpers.js'
import { DRIVER } from './page-driver.js'

// socketeer/client in real Chromium against the local gateway with API Gateway's timers
// cut down (idle 2 s, lifetime 5 s): a conversation held for a minute across rotations,
// idle closes and a gateway restart, every message arriving exactly once and in order.

const present = chromiumPresent('client browser test')
const SHOTS = new URL('../../test-output/screenshots/', import.meta.url)

type Member = {
  sent: number
  acked: number
  received: [string, number][]
  opens: string[]
  closes: number[]
  tokens: number
  attempts: number
  errors: string[]
  sayErrors: string[]
}

describe.skipIf(!present)('socketeer/client in headless Chromium', () => {
  let browser: Browser
  let script: string
  beforeAll(async () => {
    script = await clientBundle()
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium([
      // Two tabs talk at once: neither may be throttled as a background tab.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
    ])
  }, 60_000)
  afterAll(() => browser?.close())

  async function member(gw: Gateway, name: string, options: object = {}): Promise<Page> {
    const page = await (await browser.newContext()).newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(e.message))
    await page.goto(`${gw.httpUrl}/`)
    await page.addScriptTag({ content: DRIVER })
    await page.evaluate(([n, o]) => (globalThis as any).startMember(n, o), [name, options] as const)
    ;(page as any).pageErrors = pageErrors
    return page
  }
  const state = (page: Page) => page.evaluate(() => (globalThis as any).member as Member)

  it('holds a conversation for 60 s across rotations, idle closes and a gateway restart: exactly once, in order', async () => {
    const tokens = new Set<string>()
    const rooms = new Map<string, RoomEntry[]>()
    const gateway = { tokens, rooms, clientScript: script, idleTimeoutMs: 2_000, lifetimeMs: 5_000 }
    // Bursts of 5.5 s rotate the connection (every 2.5 s); silences of 4.6 s outlast a
    // rotation plus the idle limit, so the gateway closes the silent connection (1001).
    let { gw } = await startTestGateway(gateway)
    const port = gw.port
    const alice = await member(gw, 'alice')
    const bob = await member(gw, 'bob')
    const talk = (page: Page) =>
      page.evaluate(() => (globalThis as any).talk(60_000, 5_500, 10_100) as Promise<void>)
    const talking = Promise.all([talk(alice), talk(bob)])

    await sleep(28_000)
    await alice.screenshot({ path: new URL('client-alice-before-restart.png', SHOTS).pathname })
    const openedBefore = (await state(alice)).opens.length
    await gw.close()
    await sleep(1_500)
    ;({ gw } = await startTestGateway({ ...gateway, port }))
    await talking

    // Every request answered, then every entry received by both.
    await waitForPage(alice, (m) => m.acked === m.sent)
    await waitForPage(bob, (m) => m.acked === m.sent)
    const log = (rooms.get('lobby') ?? []).map((e) => [e.from, e.n] as [string, number])
    await waitForPage(alice, (m) => m.received.length === log.length)
    await waitForPage(bob, (m) => m.received.length === log.length)
    await alice.screenshot({ path: new URL('client-alice-end.png', SHOTS).pathname })
    await bob.screenshot({ path: new URL('client-bob-end.png', SHOTS).pathname })

    const a = await state(alice)
    const b = await state(bob)
    for (const m of [a, b]) {
      // Both saw the whole room, in the room's order, once.
      expect(m.received).toEqual(log)
      expect(m.sayErrors).toEqual([])
      // Connections were replaced ahead of the lifetime (rotations) and after idle closes (1001).
      expect(m.opens.filter((r) => r === 'rotate').length).toBeGreaterThanOrEqual(10)
      expect(m.closes.filter((c) => c === 1001).length).toBeGreaterThanOrEqual(5)
      // A fresh token for every connection; fetching one failed while the gateway was down.
      expect(m.tokens).toBeGreaterThanOrEqual(m.opens.length)
      expect(m.attempts).toBeGreaterThan(m.tokens)
      // The only errors are the connects that failed while the gateway was down.
      expect(new Set(m.errors)).toEqual(new Set(['connect_failed']))
    }
    expect(a.opens.length).toBeGreaterThan(openedBefore)
    // Each token a page used was issued for it (one more may have been issued whose response the restart cut off).
    expect(tokens.size).toBeGreaterThanOrEqual(a.tokens + b.tokens)
    // Each sender's messages: 1..sent, in order, once.
    for (const [name, m] of [
      ['alice', a],
      ['bob', b],
    ] as const) {
      const ns = log.filter(([from]) => from === name).map(([, n]) => n)
      expect(ns).toEqual(Array.from({ length: m.sent }, (_, i) => i + 1))
      expect(m.sent).toBeGreaterThan(150)
    }
    expect((alice as any).pageErrors).toEqual([])
    expect((bob as any).pageErrors).toEqual([])
    await gw.close()
  }, 120_000)

  it('waits while the browser is offline and reconnects as soon as it is back', async () => {
    const { gw } = await startTestGateway({ clientScript: script })
    const page = await member(gw, 'nomad')
    await waitForPage(page, (m) => m.opens.length === 1)
    await page.context().setOffline(true)
    // Going offline does not always drop an established socket: the gateway drops it here.
    for (const id of gw.connections())
      await fetch(`${gw.managementEndpoint}/@connections/${encodeURIComponent(id)}`, { method: 'DELETE' })
    await waitForPage(page, (m) => m.closes.length === 1)
    const before = (await state(page)).attempts
    await sleep(2_500)
    // Backoff alone would have tried 3 or more times in 2.5 s (200, 400, 800 ms...).
    expect((await state(page)).attempts - before).toBeLessThanOrEqual(1)
    await page.context().setOffline(false)
    await waitForPage(page, (m) => m.opens.length === 2, 3_000)
    await page.screenshot({ path: new URL('client-offline-back.png', SHOTS).pathname })
    await gw.close()
  }, 30_000)

  it('a handshake the $connect authorizer refuses: onAuthError runs (status unknown) after two failures, a fresh token gets in, no tight loop', async () => {
    const tokens = new Set<string>()
    const { gw } = await startTestGateway({ tokens, authorizeTokens: true, clientScript: script })
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${gw.httpUrl}/`)
    await page.addScriptTag({ content: AUTH_DRIVER })
    await page.evaluate(() => (globalThis as any).startAuth())
    const auth = () => page.evaluate(() => (globalThis as any).auth as AuthState)
    const deadline = Date.now() + 15_000
    while ((await auth()).reply === undefined && Date.now() < deadline) await sleep(100)
    const s = await auth()
    expect(s.opens).toBe(1)
    // A browser never sees the 401: two failed handshakes in a row, then the hook, whose
    // fresh token the third handshake carries.
    expect(s.hooks).toEqual([{ name: 'ConnectError', code: 'connect_failed', status: null, failures: 2 }])
    expect(s.urls).toEqual(['stale', 'stale', s.fresh])
    expect(tokens.has(s.fresh!)).toBe(true)
    expect(s.errors).toEqual(['connect_failed', 'connect_failed'])
    // Backoff between tries (equal jitter: at least half of 200, then of 400 ms).
    expect(s.times[1]! - s.times[0]!).toBeGreaterThanOrEqual(99)
    expect(s.times[2]! - s.times[1]!).toBeGreaterThanOrEqual(199)
    expect(s.reply).toEqual({ echoed: 'in' })
    await page.screenshot({ path: new URL('client-auth-refreshed.png', SHOTS).pathname })
    await gw.close()
  }, 30_000)

  it('a refused handshake backs off instead of looping', async () => {
    const { gw } = await startTestGateway({ tokens: new Set(['good']), clientScript: script })
    const page = await member(gw, 'mallory', { token: 'bad' })
    await sleep(3_000)
    const m = await state(page)
    // Steps of 200, 400, 800, 1000 ms, each waited at least by half (equal jitter): the
    // earliest possible attempts are at 0, 100, 300, 700, 1200, 1700, 2200 and 2700 ms, so
    // at most 8 in 3 s; a loop would be hundreds.
    expect(m.attempts).toBeGreaterThanOrEqual(2)
    expect(m.attempts).toBeLessThanOrEqual(8)
    expect(m.opens).toEqual([])
    expect(m.errors.every((e) => e === 'connect_failed')).toBe(true)
    await page.screenshot({ path: new URL('client-refused.png', SHOTS).pathname })
    await gw.close()
  }, 30_000)
})

type AuthState = {
  urls: string[]
  times: number[]
  hooks: { name: string; code: string; status: number | null; failures: number }[]
  errors: string[]
  opens: number
  fresh?: string
  reply?: unknown
}

// A page whose token is refused until onAuthError fetches a fresh one.
const AUTH_DRIVER = `
window.startAuth = async function startAuth() {
  const { createClient } = await import('/client.js')
  const s = (window.auth = { urls: [], times: [], hooks: [], errors: [], opens: 0, token: 'stale' })
  const status = document.body.appendChild(document.createElement('pre'))
  const show = () => { status.textContent = JSON.stringify(s, null, 1) }
  const c = createClient(
    () => {
      s.urls.push(s.token)
      s.times.push(performance.now())
      show()
      return location.origin.replace(/^http/, 'ws') + '/dev?token=' + encodeURIComponent(s.token)
    },
    {
      keepaliveMs: 0,
      backoff: { initialMs: 200, maxMs: 1000 },
      onAuthError: async (e) => {
        s.hooks.push({ name: e.name, code: e.code, status: e.status ?? null, failures: e.failures })
        s.token = s.fresh = (await (await fetch('/token')).json()).token
        show()
      },
    },
  )
  c.on('error', (e) => { s.errors.push(e.code); show() })
  c.on('open', async () => {
    s.opens++
    s.reply = await c.request('echo', { text: 'in' })
    show()
  })
}
`

async function waitForPage(page: Page, check: (m: Member) => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    const m = await page.evaluate(() => (globalThis as any).member)
    if (check(m)) return
    if (Date.now() > deadline)
      throw new Error(`timed out: ${JSON.stringify({ ...m, received: m.received.length })}`)
    await sleep(200)
  }
}
