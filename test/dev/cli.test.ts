import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { connected, refused, sleep } from './helpers.js'

// The `socketeer dev` CLI as a real child process (run from source through tsx).

const ESC = String.fromCharCode(27)
const CLI = join(process.cwd(), 'src/dev/cli.ts')
const children: ChildProcess[] = []
const dirs: string[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function run(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env }
  delete base.FORCE_COLOR
  delete base.NO_COLOR
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: process.cwd(),
    env: { ...base, NODE_NO_WARNINGS: '1', ...env },
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

  it('prints help and the version', async () => {
    const help = run(['--help'])
    expect(await help.exited).toBe(0)
    expect(help.out()).toMatch(/Usage: socketeer dev/)
    expect(help.out()).toMatch(/--base-path <path>/)
    const version = run(['--version'])
    expect(await version.exited).toBe(0)
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8'))
    expect(version.out()).toBe(`${pkg.version}\n`)
  }, 30_000)
})

describe('socketeer dev: a user mistake is one line and exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-cli-msg-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    return join(dir, name)
  }
  const ok = file('ok.mjs', 'export const handler = async () => ({ statusCode: 200 })\n')
  const noExport = file('no-export.mjs', 'export const connect = async () => ({ statusCode: 200 })\n')
  const syntax = file('syntax.mjs', 'export const handler = async () => { return x y }\n')
  const badKey = file('bad-key.json', JSON.stringify({ entry: 'ok.mjs', prot: 3001 }))
  const badValue = file('bad-value.json', JSON.stringify({ entry: 'ok.mjs', port: 'eighty' }))
  const notJson = file('not.json', '{ entry: ')

  const cases: Array<[string, string[], RegExp, number]> = [
    [
      'a missing file',
      ['dev', join(dir, 'nope.ts')],
      /^socketeer: cannot find \S*nope\.ts \(no such file\)$/,
      2,
    ],
    [
      'a missing export',
      ['dev', noExport],
      /^socketeer: \S*no-export\.mjs has no Lambda handler: .*; it exports connect \(pick one with \S*#name\)$/,
      2,
    ],
    [
      'a missing named export',
      ['dev', `${ok}#nope`],
      /^socketeer: \S*ok\.mjs#nope has no Lambda handler: expected an export named nope/,
      2,
    ],
    [
      'an unknown flag',
      ['dev', ok, '--prot', '0'],
      /^socketeer: unknown option --prot \(did you mean --port\?\); socketeer --help lists them$/,
      2,
    ],
    ['a flag without its value', ['dev', ok, '--port'], /^socketeer: --port needs a value: --port <n>$/, 2],
    [
      'a bad flag value',
      ['dev', ok, '--http', 'soap'],
      /^socketeer: --http: expected rest, v2 or off, got "soap"$/,
      2,
    ],
    [
      'a bad stage',
      ['dev', ok, '--stage', 'a.b', '--port', '0'],
      /^socketeer: stage must be letters, digits, - or _: "a\.b"$/,
      2,
    ],
    [
      'an unknown config key',
      ['dev', '--config', badKey],
      /^socketeer: \S*bad-key\.json: unknown option "prot" \(known: entry, /,
      2,
    ],
    [
      'a config value of the wrong kind',
      ['dev', '--config', badValue],
      /^socketeer: \S*bad-value\.json: port must be a number, got "eighty"$/,
      2,
    ],
    [
      'a config file that is not JSON',
      ['dev', '--config', notJson],
      /^socketeer: \S*not\.json is not valid JSON: /,
      2,
    ],
    [
      'a missing config file',
      ['dev', '--config', join(dir, 'none.json')],
      /^socketeer: cannot find the config file \S*none\.json$/,
      2,
    ],
    ['no command', [], /^socketeer: missing command: socketeer dev <entry>/, 2],
    [
      'an unknown command',
      ['serve', ok],
      /^socketeer: unknown command "serve": the command is socketeer dev <entry>$/,
      2,
    ],
    [
      'no entry',
      ['dev'],
      /^socketeer: no entry, and no serverless.yml or template.yaml here: socketeer dev <entry>/,
      2,
    ],
    [
      'a syntax error without watch',
      ['dev', syntax, '--no-watch', '--port', '0'],
      /^socketeer: \S*syntax\.mjs failed to load: SyntaxError: Unexpected identifier 'y'$/,
      1,
    ],
  ]

  it.each(cases)(
    '%s',
    async (_name, args, message, code) => {
      const cli = run(args)
      expect(await cli.exited).toBe(code)
      const lines = cli.err().trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(message)
      expect(cli.err()).not.toMatch(/\bat .*\(|node:internal|Usage:/)
    },
    30_000,
  )

  // Nothing starts before the entry is known to exist: no gateway line, only the error.
  it.each([
    ['nope.ts', (f: string) => `socketeer: cannot find ${f} (no such file)\n`],
    ['nope.py', (f: string) => `socketeer: ${f}: no such file ${f}\n`],
  ])(
    'a missing entry (%s) is the only output',
    async (name, expected) => {
      const missing = join(dir, name)
      const cli = run(['dev', missing, '--port', '0'], { AWS_ACCESS_KEY_ID: '', AWS_PROFILE: '' })
      expect(await cli.exited).toBe(2)
      expect(cli.out()).toBe('')
      expect(cli.err()).toBe(expected(missing))
    },
    30_000,
  )

  it('--verbose adds the stack, and the cause’s', async () => {
    const cli = run(['dev', syntax, '--no-watch', '--port', '0', '--verbose'])
    expect(await cli.exited).toBe(1)
    expect(cli.err()).toMatch(/failed to load[\s\S]*\n {4}at [\s\S]*caused by: SyntaxError/)
  }, 30_000)

  it('a port in use is one line too', async () => {
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const { port } = blocker.address() as AddressInfo
    try {
      const cli = run(['dev', ok, '--port', String(port)])
      expect(await cli.exited).toBe(2)
      expect(cli.err()).toBe(
        `socketeer: port ${port} is in use: pick another with --port (0 picks a free one)\n`,
      )
    } finally {
      blocker.close()
    }
  }, 30_000)
})

describe('socketeer dev: start, banner, colour, stop', () => {
  it('waits for the fix when the entry does not load at start in watch mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-cli-'))
    dirs.push(dir)
    const entry = join(dir, 'entry.mjs')
    writeFileSync(entry, 'export const handler = async () => { return x y }\n')
    const cli = run(['dev', entry, '--port', '0'])
    const until = Date.now() + 15_000
    while (!/waiting for a change/.test(cli.err()) && Date.now() < until) await sleep(25)
    expect(cli.err()).toMatch(/entry\.mjs failed to load: SyntaxError[^\n]*\nwaiting for a change to retry/)
    expect(cli.child.exitCode).toBe(null)
    writeFileSync(entry, 'export const handler = async () => ({ statusCode: 200 })\n')
    const [, url] = await cli.waitFor(/websocket\s+(ws:\/\/127\.0\.0\.1:\d+\/dev)/)
    const c = await connected(url!)
    expect(c.ws.readyState).toBe(c.ws.OPEN)
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
  }, 30_000)

  it('lists routes and @connections with boto3 and AWS CLI lines that work as printed, and says what Ctrl-C does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-cli-'))
    dirs.push(dir)
    const entry = join(dir, 'app.ts')
    writeFileSync(
      entry,
      `import { App } from ${JSON.stringify(join(process.cwd(), 'src/index.ts'))}
export const app = new App()
  .webSocket('$connect', () => undefined)
  .webSocket('sendmessage', () => undefined)
  .get('/health', () => 'ok')
export const handler = app.handler
`,
    )
    const cli = run(['dev', entry, '--port', '0', '--cors'], { NO_COLOR: '1' })
    const [, url] = await cli.waitFor(/websocket\s+(ws:\/\/127\.0\.0\.1:\d+\/dev)/)
    await cli.waitFor(/Ctrl-C stops/)
    const out = cli.out()
    expect(out).toMatch(/routes\s+\$connect, sendmessage\n/)
    expect(out).toMatch(
      /http\s+http:\/\/127\.0\.0\.1:\d+ \(REST \(V1\) proxy events, CORS on\): GET \/health\n/,
    )
    expect(out).toMatch(/@connections\s+http:\/\/127\.0\.0\.1:\d+\/dev\/@connections\/\{connectionId\}/)
    expect(out).not.toContain(ESC)
    const boto3 = /boto3\s+(boto3\.client\(.*\))\n/.exec(out)?.[1]
    const awsCli = /aws cli\s+(AWS_ACCESS_KEY_ID=.*)\n/.exec(out)?.[1]
    expect(boto3).toBeDefined()
    expect(awsCli).toBeDefined()

    const c = await connected(url!)
    const [, id] = await cli.waitFor(/CONNECT\s+\$connect\s+(\S{15}=)\s+101/)
    const hasPython = spawnSync('python3', ['-c', 'import boto3']).status === 0
    if (hasPython) {
      const py = spawnSync('python3', ['-c', `import boto3\nID = ${JSON.stringify(id)}\n${boto3}`], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      })
      expect(py.stderr).toBe('')
      expect((await c.next()).data).toBe('hello')
    } else console.warn('SKIPPED: banner boto3 line: python3 with boto3 is not installed')
    const aws = spawnSync('aws', ['--version'], { encoding: 'utf8' })
    if (aws.status === 0) {
      // The banner gives AWS CLI v2's form; v1 has no --cli-binary-format and sends the text as is.
      // `--connection-id=ID`: an id may start with "-" (URL-safe alphabet), which argparse takes for a flag.
      const v1 = /aws-cli\/1\./.test(aws.stdout + aws.stderr)
      const printed = v1 ? awsCli!.replace(' --cli-binary-format raw-in-base64-out', '') : awsCli!
      const line = printed.replace('--connection-id=ID', `--connection-id=${id}`)
      const r = spawnSync('sh', ['-c', line], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: dir },
      })
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      expect((await c.next()).data).toBe('hello')
    } else console.warn('SKIPPED: banner AWS CLI line: the aws command is not installed')
    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
    expect(cli.out()).toMatch(/stopping: closing 1 connection/)
  }, 90_000)

  it('colours on a terminal only: FORCE_COLOR turns it on, NO_COLOR wins over a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-cli-'))
    dirs.push(dir)
    const entry = join(dir, 'e.mjs')
    writeFileSync(entry, 'export const handler = async () => ({ statusCode: 200 })\n')
    const forced = run(['dev', entry, '--port', '0', '--no-watch'], { FORCE_COLOR: '1' })
    await forced.waitFor(/Ctrl-C stops/)
    expect(forced.out()).toContain(`${ESC}[36mwebsocket`)
    const missing = run(['dev', join(dir, 'none.mjs')], { FORCE_COLOR: '1' })
    expect(await missing.exited).toBe(2)
    expect(missing.err().startsWith(`${ESC}[31msocketeer:${ESC}[39m cannot find`)).toBe(true)
  }, 30_000)
})
