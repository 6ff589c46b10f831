import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type DevServer, startDev } from '../../../src/dev/index.js'
import { chromiumPresent, launchChromium } from '../../chromium.js'
import { type Client, connected, refused, sleep } from '../helpers.js'

// Seed 000's shape for real: three Python Lambda handlers (onconnect, ondisconnect,
// sendmessage) whose sendmessage builds its @connections endpoint from the event,
// `https://{domainName}/{stage}`, and posts with boto3: no proxy, no monkey-patching.

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 })

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(20)
  }
}

const here = dirname(fileURLToPath(import.meta.url))
const boto3 = spawnSync('python3', ['-c', 'import boto3'], { timeout: 30_000 }).status === 0
if (!boto3)
  console.warn('SKIPPED: Python handler tests: python3 with boto3 not found (apt-get install python3-boto3)')

describe.skipIf(!boto3)('socketeer dev on Python handlers (seed 000)', () => {
  let dir: string
  let dev: DevServer
  const lines: string[] = []
  const waitForLine = async (pattern: RegExp, from = 0, ms = 20_000) => {
    const end = Date.now() + ms
    while (Date.now() < end) {
      const hit = lines.slice(from).find((l) => pattern.test(l))
      if (hit) return hit
      await sleep(20)
    }
    throw new Error(`no line matching ${pattern} in:\n${lines.join('\n')}`)
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'socketeer-py-'))
    cpSync(join(here, 'fixtures/seed000'), join(dir, 'handlers'), { recursive: true })
    const connections = join(dir, 'connections')
    mkdirSync(connections)
    const env = { CONNECTIONS_DIR: connections }
    dev = await startDev({
      port: 0,
      logger: (l) => lines.push(l),
      cwd: dir,
      routes: {
        $connect: { file: join(dir, 'handlers/onconnect.py'), env, functionName: 'onconnect' },
        $disconnect: { file: join(dir, 'handlers/ondisconnect.py'), env, functionName: 'ondisconnect' },
        sendmessage: { file: join(dir, 'handlers/sendmessage.py'), env, functionName: 'sendmessage' },
      },
    })
  })
  afterAll(async () => {
    await dev?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const ids = () =>
    readdirSync(join(dir, 'connections'))
      .map((name) => Buffer.from(name, 'hex').toString())
      .sort()

  it('connects, broadcasts through boto3 at https://{domainName}/{stage}, and disconnects', async () => {
    const alice: Client = await connected(dev.gateway.url)
    const bob: Client = await connected(dev.gateway.url, undefined, {
      headers: { 'User-Agent': 'Mozilla/5.0' },
    })
    expect(ids()).toEqual(dev.gateway.connections().sort())
    await waitForLine(/\[INFO\]\t\S+\t[0-9a-f-]{36}\tconnected /)

    alice.ws.send(JSON.stringify({ action: 'sendmessage', message: 'hello from alice' }))
    expect((await alice.next(20_000)).data).toBe('hello from alice')
    expect((await bob.next(20_000)).data).toBe('hello from alice')
    // The handler's print is in the log, under its invocation's line.
    await waitForLine(/MESSAGE\s+sendmessage\s+\S+\s+200[^\n]*\n\s+\| sent to 2/)
    // boto3 came in over TLS on the gateway's port.
    expect(lines.some((l) => /MANAGE\s+POST @connections/.test(l))).toBe(true)

    const mark = lines.length
    bob.ws.close(1000, 'bye')
    await waitForLine(/DISCONNECT\s+\$disconnect[^\n]*1000 "bye"\n\s+\| disconnected \S+ 1000/, mark)
    await until(() => ids().length === dev.gateway.connections().length)
    expect(ids()).toEqual(dev.gateway.connections().sort())
    alice.ws.close()
  })

  const chromium = chromiumPresent('the Chromium part of the Python handler tests')
  it.skipIf(!chromium)('a page in Chromium talks to the Python handlers', async () => {
    const browser = await launchChromium()
    try {
      const other: Client = await connected(dev.gateway.url)
      const page = await browser.newPage()
      // The page's own WebSocket: a browser's handshake (Origin, its User-Agent, extensions).
      const echoed = await page.evaluate(
        (url) =>
          new Promise<string>((resolve, reject) => {
            const ws = new (globalThis as any).WebSocket(url)
            ws.onopen = () =>
              ws.send(JSON.stringify({ action: 'sendmessage', message: 'hello from a browser' }))
            ws.onmessage = (e: { data: string }) => {
              resolve(e.data)
              ws.close(1000, 'done')
            }
            ws.onerror = () => reject(new Error('socket error'))
          }),
        dev.gateway.url,
      )
      expect(echoed).toBe('hello from a browser')
      expect((await other.next(20_000)).data).toBe('hello from a browser')
      await waitForLine(/DISCONNECT\s+\$disconnect[^\n]*1000 "done"/)
      other.ws.close()
    } finally {
      await browser.close()
    }
  })

  it('GoneException is raised in Python for a closed connection id', async () => {
    const carol = await connected(dev.gateway.url)
    const dave = await connected(dev.gateway.url)
    const daveId = dev.gateway.connections().at(-1)!
    dave.ws.close()
    await dave.closed
    await waitForLine(new RegExp(`DISCONNECT\\s+\\$disconnect\\s+${daveId.replace(/[+/=]/g, '\\$&')}`))
    carol.ws.send(JSON.stringify({ action: 'sendmessage', to: daveId }))
    expect((await carol.next(20_000)).data).toBe('GoneException')
    carol.ws.close()
  })

  it('$connect refusing, and a raising handler, answer as AWS does', async () => {
    expect(await refused(`${dev.gateway.url}?name=mallory`)).toBe('Unexpected server response: 403')
    const erin = await connected(dev.gateway.url)
    // sendmessage without "message": a KeyError in Python, the Internal server error frame here.
    const mark = lines.length
    erin.ws.send(JSON.stringify({ action: 'sendmessage' }))
    const frame = JSON.parse((await erin.next(20_000)).data)
    expect(frame.message).toBe('Internal server error')
    const line = await waitForLine(/MESSAGE\s+sendmessage\s+\S+\s+502/, mark)
    expect(line).toMatch(/KeyError: 'message'/)
    expect(line).toMatch(/File ".*handlers\/sendmessage\.py", line \d+, in handler/)
    erin.ws.close()
  })

  it('a change to a .py file restarts the workers; open sockets stay open', async () => {
    const frank = await connected(dev.gateway.url)
    const path = join(dir, 'handlers/sendmessage.py')
    const source = readFileSync(path, 'utf8')
    const mark = lines.length
    writeFileSync(
      path,
      source.replace(
        'Data=body["message"].encode("utf-8")',
        'Data=("v2:" + body["message"]).encode("utf-8")',
      ),
    )
    await waitForLine(/RELOAD\s+ok\s+\d+ms\s+Python workers restarted; \d+ connections? kept open/, mark)
    frank.ws.send(JSON.stringify({ action: 'sendmessage', message: 'after' }))
    const reply = (await frank.next(20_000)).data
    if (reply !== 'v2:after') console.log(lines.slice(mark).join('\n'))
    expect(reply).toBe('v2:after')
    expect(frank.ws.readyState).toBe(frank.ws.OPEN)
    frank.ws.close()
  })
})
