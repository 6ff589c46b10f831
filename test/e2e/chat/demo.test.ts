import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { Client } from './harness.js'

// `npm run demo` as a user runs it: the built package (dist/, imported by name), the
// TypeScript example loaded by tsx, URLs printed, serving until Ctrl-C (SIGINT).

const root = fileURLToPath(new URL('../../../', import.meta.url))
const built = existsSync(`${root}dist/dev/index.js`)
if (!built) console.warn('SKIPPED: demo test: no dist/ (run `npm run build`; `npm test` does)')

describe.skipIf(!built)('npm run demo (examples/chat/demo.mjs)', () => {
  let child: ChildProcess | undefined
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
  })

  it('prints the page and ws URLs, serves both, and stops cleanly on Ctrl-C', async () => {
    child = spawn(process.execPath, ['examples/chat/demo.mjs'], {
      cwd: root,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stderr!.on('data', (d) => {
      err += d
    })
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)))
    const urls = await new Promise<{ page: string; ws: string }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`demo printed no URLs in 15 s:\n${out}\n${err}`)),
        15_000,
      )
      child!.stdout!.on('data', (d) => {
        out += d
        const page = /page\s+(http:\/\/\S+)/.exec(out)?.[1]
        const ws = /websocket\s+(ws:\/\/\S+)/.exec(out)?.[1]
        if (page && ws) {
          clearTimeout(timer)
          resolve({ page, ws })
        }
      })
      void exited.then((code) =>
        reject(new Error(`demo exited with ${code} (stale dist? npm run build):\n${out}\n${err}`)),
      )
    })

    const page = await fetch(urls.page)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>socketeer chat</title>')
    const client = await Client.open(`${urls.ws}?name=demo`)
    client.send({ action: 'whoami' })
    expect((await client.nextOf('whoami', {}, 10_000)).name).toBe('demo')

    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect((await client.closed).code).toBeGreaterThanOrEqual(1000)
  }, 30_000)
})
