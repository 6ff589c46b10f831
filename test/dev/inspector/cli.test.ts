import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCli } from '../../../src/dev/cli-args.js'
import { connected, sleep } from '../helpers.js'
import { api, REPO } from './helpers.js'

// `socketeer dev` serves the inspector by default (the banner names it), `--no-inspector`
// turns it off, and the dev server's reloads reach the inspector's timeline.

const CLI = join(REPO, 'src/dev/cli.ts')
const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  })
  children.push(child)
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const waitFor = async (pattern: RegExp, timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      const m = out.match(pattern)
      if (m) return m
      if (child.exitCode !== null) break
      await sleep(25)
    }
    throw new Error(`no output matching ${pattern}:\n${out}`)
  }
  return { child, waitFor }
}

function entryFile(): string {
  const dir = join(REPO, `test-output/cli-${process.pid}-${Date.now()}`)
  mkdirSync(dir, { recursive: true })
  dirs.push(dir)
  const entry = join(dir, 'entry.mjs')
  writeFileSync(entry, 'export const handler = async () => ({ statusCode: 200 })\n')
  return entry
}

describe('socketeer dev and the inspector', () => {
  it('parses --no-inspector', () => {
    expect(parseCli(['dev', 'a.ts', '--no-inspector']).options.inspector).toBe(false)
    expect(parseCli(['dev', 'a.ts']).options.inspector).toBeUndefined()
  })

  it('serves the inspector by default, names it in the banner, and shows reloads', async () => {
    const entry = entryFile()
    const cli = run(['dev', entry, '--port', '0'])
    const [, url] = (await cli.waitFor(
      /inspector\s+(http:\/\/127\.0\.0\.1:\d+\/_socketeer\/)/,
    )) as RegExpMatchArray
    const [, ws] = (await cli.waitFor(/websocket\s+(ws:\S+)/)) as RegExpMatchArray
    await connected(ws!)
    const page = await fetch(url!)
    expect(page.status).toBe(200)
    writeFileSync(entry, 'export const handler = async () => ({ statusCode: 201 })\n')
    await cli.waitFor(/RELOAD.*handlers reloaded/)
    const state = (await api(url!, 'GET', '/state')).data
    expect(state.events.map((e: any) => e.kind)).toEqual(expect.arrayContaining(['CONNECT', 'RELOAD']))
  }, 30_000)

  it('--no-inspector: no page, and the banner says so', async () => {
    const cli = run(['dev', entryFile(), '--port', '0', '--no-inspector', '--http', 'off'])
    await cli.waitFor(/inspector\s+off/)
    const [, http] = (await cli.waitFor(/http\s+(http:\/\/\S+)/)) as RegExpMatchArray
    expect((await fetch(`${http}/_socketeer/`)).status).toBe(403)
  }, 30_000)
})
