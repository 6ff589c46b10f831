import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connected, refused, sleep } from './helpers.js'

// The `socketeer dev` CLI as a real child process (run from source through tsx).

const CLI = join(process.cwd(), 'src/dev/cli.ts')
const children: ChildProcess[] = []
const dirs: string[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  })
  children.push(child)
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const waitFor = async (pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> => {
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      const m = out.match(pattern)
      if (m) return m
      if (child.exitCode !== null) break
      await sleep(25)
    }
    throw new Error(`no output matching ${pattern}\nstdout:\n${out}\nstderr:\n${err}`)
  }
  return { child, exited, waitFor, out: () => out, err: () => err }
}

describe('socketeer dev', () => {
  it('serves an entry, logs each event, hot-reloads, and stops on SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-cli-'))
    dirs.push(dir)
    const entry = join(dir, 'entry.mjs')
    const source = (tag: string) =>
      `export const handler = async (event) => event.requestContext.eventType === 'MESSAGE' ? { statusCode: 200, body: '${tag}:' + event.body } : { statusCode: 200 }\n`
    writeFileSync(entry, source('v1'))
    const cli = run([
      'dev',
      entry,
      '--port',
      '0',
      '--stage',
      'local',
      '--route-responses',
      'all',
      '--idle-timeout',
      '5m',
    ])
    const [, url] = await cli.waitFor(/websocket\s+(ws:\/\/127\.0\.0\.1:\d+\/local)/)
    const c = await connected(url!)
    c.ws.send('a')
    expect((await c.next()).data).toBe('v1:a')
    await cli.waitFor(/CONNECT\s+\$connect\s+\S{15}=\s+101/)
    await cli.waitFor(/MESSAGE\s+\$default\s+\S{15}=\s+200\s+[\d.]+ms/)

    writeFileSync(entry, source('v2'))
    await cli.waitFor(/RELOAD.*1 connection kept open/)
    c.ws.send('b')
    expect((await c.next()).data).toBe('v2:b')
    expect(c.ws.readyState).toBe(c.ws.OPEN)

    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
    expect((await c.closed).code).toBe(1001)
    expect(cli.out()).toMatch(/DISCONNECT.*1001.*Going away/)
  }, 30_000)

  it('merges --route with the config file’s routes, and says when hot reload is off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-cli-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'entry.mjs'), 'export const handler = async () => ({ statusCode: 200 })\n')
    writeFileSync(join(dir, 'connect.mjs'), 'export const handler = async () => ({ statusCode: 401 })\n')
    const config = join(dir, 'cfg.json')
    writeFileSync(config, JSON.stringify({ entry: 'entry.mjs', routes: { $connect: 'connect.mjs' } }))
    const cli = run(['dev', '--config', config, '--route', 'sendmessage', '--port', '0', '--no-watch'])
    const [, url] = await cli.waitFor(/websocket\s+(ws:\/\/127\.0\.0\.1:\d+\/dev)/)
    // The config's $connect still guards the stage.
    expect(await refused(url!)).toBe('Unexpected server response: 401')
    expect(cli.out()).toMatch(/hot reload\s+off/)
    expect(cli.out()).not.toMatch(/watching|changes reload/)
  }, 30_000)

  it('prints help, and refuses bad arguments with exit code 2', async () => {
    const help = run(['--help'])
    expect(await help.exited).toBe(0)
    expect(help.out()).toMatch(/Usage: socketeer dev/)
    const bad = run(['dev', 'x.ts', '--http', 'soap'])
    expect(await bad.exited).toBe(2)
    expect(bad.err()).toMatch(/--http: expected rest, v2 or off/)
    const missing = run(['dev', join(tmpdir(), 'does-not-exist.ts'), '--port', '0'])
    expect(await missing.exited).toBe(1)
    expect(missing.err()).toMatch(/does-not-exist/)
  }, 30_000)
})
