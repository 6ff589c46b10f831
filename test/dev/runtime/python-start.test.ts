import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { devLogger } from '../../../src/dev/log.js'
import { invoke } from '../../../src/dev/runtime/invoke.js'
import { pythonRuntime } from '../../../src/dev/runtime/python.js'
import { resolveInterpreter } from '../../../src/dev/runtime/python-interpreter.js'
import type { EntrySpec, LoadedFunctions, RuntimeHost } from '../../../src/dev/runtime/types.js'

// How a Python function's first worker starts: its interpreter found past a pyenv shim,
// started before the gateway listens (prepare), with what the handler imports (boto3)
// imported then; the handler itself loads only once the gateway's environment is known.

vi.setConfig({ testTimeout: 60_000 })

const root = mkdtempSync(join(tmpdir(), 'socketeer-pystart-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function file(path: string, text: string, mode?: number): string {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
  if (mode) chmodSync(path, mode)
  return path
}

describe('resolveInterpreter (pyenv shims)', () => {
  const pyenv = join(root, 'pyenv')
  const shims = join(pyenv, 'shims')
  file(join(shims, 'python3'), '#!/bin/sh\nexit 99\n', 0o755)
  for (const v of ['3.11.7', '3.12.1'])
    file(join(pyenv, 'versions', v, 'bin', 'python3'), '#!/bin/sh\n', 0o755)
  mkdirSync(join(pyenv, 'versions', '3.10.0', 'bin'), { recursive: true }) // installed without python3
  const project = join(root, 'project')
  file(join(project, '.python-version'), '3.12.1\n')
  mkdirSync(join(project, 'src', 'handlers'), { recursive: true })
  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${shims}${delimiter}/usr/bin`,
    PYENV_ROOT: pyenv,
    ...extra,
  })
  const bin = (v: string) => join(pyenv, 'versions', v, 'bin')

  it('reads the version pyenv would pick: PYENV_VERSION, the nearest .python-version, the global file', () => {
    file(join(pyenv, 'version'), '3.11.7\n')
    expect(resolveInterpreter('python3', root, env())).toEqual({
      command: join(bin('3.11.7'), 'python3'),
      path: `${bin('3.11.7')}${delimiter}${shims}${delimiter}/usr/bin`,
    })
    expect(resolveInterpreter('python3', join(project, 'src', 'handlers'), env()).command).toBe(
      join(bin('3.12.1'), 'python3'),
    )
    expect(resolveInterpreter('python3', project, env({ PYENV_VERSION: '3.11.7' })).command).toBe(
      join(bin('3.11.7'), 'python3'),
    )
    // The first selected version that has the command, as `pyenv which` picks.
    expect(resolveInterpreter('python3', project, env({ PYENV_VERSION: '3.10.0:3.11.7' })).command).toBe(
      join(bin('3.11.7'), 'python3'),
    )
  })

  it('leaves to the shim what it does not settle exactly', () => {
    for (const version of ['system', '3.12', '3.9.9', '../x'])
      expect(resolveInterpreter('python3', root, env({ PYENV_VERSION: version }))).toEqual({
        command: 'python3',
      })
    // Not a shim: PATH's python3 is started as it is.
    expect(resolveInterpreter('python3', root, { PATH: bin('3.11.7'), PYENV_ROOT: pyenv })).toEqual({
      command: 'python3',
    })
    expect(resolveInterpreter('/opt/python3', root, env())).toEqual({ command: '/opt/python3' })
  })
})

const boto3 = spawnSync('python3', ['-c', 'import boto3'], { timeout: 30_000 }).status === 0
if (!boto3)
  console.warn('SKIPPED: Python start tests: python3 with boto3 not found (apt-get install python3-boto3)')

describe.skipIf(!boto3)('a function’s first worker', () => {
  const loaded: LoadedFunctions[] = []
  afterEach(async () => {
    await Promise.all(loaded.splice(0).map((l) => l.release()))
  })

  it('starts before load(), imports boto3 then, and loads the handler with the gateway’s environment', async () => {
    const code = join(root, 'early')
    const marks = join(code, 'marks.txt')
    // A vendored boto3 in the code directory (as a Lambda package may carry one) that
    // records when it is imported and what the environment held then.
    file(
      join(code, 'boto3.py'),
      `import os\nwith open(${JSON.stringify(marks)}, "a") as f:\n    f.write("boto3 endpoint=%s\\n" % os.environ.get("SOCKETEER_MANAGEMENT_ENDPOINT"))\n`,
    )
    file(
      join(code, 'handler.py'),
      [
        'import os',
        'import boto3',
        `with open(${JSON.stringify(marks)}, "a") as f:`,
        '    f.write("handler endpoint=%s\\n" % os.environ.get("SOCKETEER_MANAGEMENT_ENDPOINT"))',
        '',
        'def handler(event, context):',
        '    return {"endpoint": os.environ.get("SOCKETEER_MANAGEMENT_ENDPOINT"), "region": os.environ["AWS_REGION"],',
        '            "greeting": os.environ.get("GREETING"), "boto3": boto3.__file__}',
        '',
      ].join('\n'),
    )
    const runtime = pythonRuntime()
    const spec: EntrySpec = { file: join(code, 'handler.py'), runtime: 'python', env: { GREETING: 'hej' } }
    const discard = runtime.prepare!([spec])
    // Before any load(): the interpreter runs and has imported boto3, not the handler.
    const end = Date.now() + 30_000
    while (!existsSync(marks) && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 200))
    expect(readFileSync(marks, 'utf8')).toBe('boto3 endpoint=None\n')

    const host: RuntimeHost = {
      env: () => ({ SOCKETEER_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:9/dev', AWS_REGION: 'eu-west-3' }),
      log: devLogger(undefined),
    }
    const out = await runtime.load([spec], host)
    loaded.push(out)
    discard() // adopted: nothing left to stop
    const outcome = await invoke(out.handlers[0]!, {}, { timeoutMs: 20_000, functionName: 'f' })
    expect(outcome).toMatchObject({
      kind: 'ok',
      value: {
        endpoint: 'http://127.0.0.1:9/dev',
        region: 'eu-west-3',
        greeting: 'hej',
        boto3: join(code, 'boto3.py'),
      },
    })
    expect(readFileSync(marks, 'utf8')).toBe('boto3 endpoint=None\nhandler endpoint=http://127.0.0.1:9/dev\n')
  })

  it('a prepared worker that is never loaded is stopped by what prepare() returned', async () => {
    const code = join(root, 'unused')
    const pidFile = join(code, 'pid.txt')
    file(join(code, 'boto3.py'), `import os\nopen(${JSON.stringify(pidFile)}, "w").write(str(os.getpid()))\n`)
    file(join(code, 'handler.py'), 'import boto3\ndef handler(event, context):\n    return 1\n')
    const runtime = pythonRuntime()
    const discard = runtime.prepare!([{ file: join(code, 'handler.py'), runtime: 'python' }])
    const end = Date.now() + 30_000
    while (!existsSync(pidFile) && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    const pid = Number(readFileSync(pidFile, 'utf8'))
    expect(() => process.kill(pid, 0)).not.toThrow()
    discard()
    const gone = Date.now() + 10_000
    let alive = true
    while (alive && Date.now() < gone) {
      try {
        process.kill(pid, 0)
        await new Promise((r) => setTimeout(r, 20))
      } catch {
        alive = false
      }
    }
    expect(alive).toBe(false)
  })
})
