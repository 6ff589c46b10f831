import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import type { LogFields } from '../../../src/dev/log.js'
import { invoke } from '../../../src/dev/runtime/invoke.js'
import { pythonRuntime } from '../../../src/dev/runtime/python.js'
import type { LoadedFunctions, RuntimeHost } from '../../../src/dev/runtime/types.js'

// An interpreter that cannot run the handlers (too old, or not there) says so in one
// line: once when the gateway starts, and as each event's failure, nothing more.

vi.setConfig({ testTimeout: 60_000 })

const here = dirname(fileURLToPath(import.meta.url))
const file = join(here, 'fixtures/cases/cases.py')
const real = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' })
const python = real.status === 0 ? real.stdout.trim() : undefined
if (!python) console.warn('SKIPPED: python interpreter checks: python3 not found (apt-get install python3)')

const root = mkdtempSync(join(tmpdir(), 'socketeer-pyold-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// A real interpreter that reports itself as 3.6, as an old python3 on PATH would.
const oldBin = join(root, 'old-bin')
if (python) {
  mkdirSync(oldBin, { recursive: true })
  const fake = join(oldBin, 'python3')
  writeFileSync(
    fake,
    `#!/bin/sh
# "$1" is -c, "$2" the code; the rest are its arguments.
shift
code="$1"
shift
exec ${python} -c 'import sys; sys.version_info = (3, 6, 15, "final", 0); exec(sys.argv.pop(1))' "$code" "$@"
`,
  )
  chmodSync(fake, 0o755)
}

const loaded: LoadedFunctions[] = []
const savedPath = process.env.PATH
afterEach(async () => {
  await Promise.all(loaded.splice(0).map((l) => l.release()))
  process.env.PATH = savedPath
})

async function lines(python: string | undefined): Promise<{ atLoad: LogFields[]; perEvent: LogFields[][] }> {
  const events: LogFields[] = []
  const host: RuntimeHost = {
    env: () => ({}),
    log: Object.assign((fields: LogFields) => events.push(fields), { subscribe: () => () => {} }),
  }
  const out = await pythonRuntime({ python }).load([{ file, exportName: 'echo', runtime: 'python' }], host)
  loaded.push(out)
  const perEvent: LogFields[][] = []
  let atLoad: LogFields[] = []
  for (let i = 0; i < 2; i++) {
    const outcome = await invoke(out.handlers[0]!, {}, { timeoutMs: 20_000, functionName: 'f' })
    if (i === 0) atLoad = events.splice(0)
    expect(outcome.kind).toBe('error')
    const error = (outcome as { error: Error }).error
    // The gateway logs this error as the event's line: one line, no JavaScript frames.
    perEvent.push([{ kind: 'MESSAGE', error, output: outcome.output }, ...events.splice(0)])
  }
  return { atLoad, perEvent }
}

function text(fields: LogFields): string {
  const error = fields.error as Error | undefined
  return [fields.detail, error?.stack, fields.output].filter(Boolean).join('\n')
}

describe.skipIf(!python)('an unusable interpreter', () => {
  it('too old: one line saying what was found, the minimum, and how to choose another', async () => {
    process.env.PATH = `${oldBin}:${savedPath}`
    const { atLoad, perEvent } = await lines(undefined)
    const expected = new RegExp(
      `^PythonNotFoundError: python3 is Python 3\\.6\\.15 \\(${python!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): \\.py handlers need Python 3\\.8 or later; choose another with --python <path> or by activating a virtualenv$`,
    )
    expect(atLoad).toHaveLength(1)
    expect(text(atLoad[0]!)).toMatch(/^the Python handler failed to load/)
    expect((atLoad[0]!.error as Error).stack).toMatch(expected)
    for (const event of perEvent) {
      expect(event).toHaveLength(1)
      expect(text(event[0]!)).toMatch(expected)
    }
  })

  it('missing from PATH: one line saying what to install or choose', async () => {
    process.env.PATH = join(root, 'empty')
    const { atLoad, perEvent } = await lines(undefined)
    const expected =
      /^PythonNotFoundError: python3 not found: \.py handlers need Python 3\.8 or later; install it \(apt-get install python3, brew install python\) or choose one with --python <path> or by activating a virtualenv$/
    expect(atLoad).toHaveLength(1)
    expect((atLoad[0]!.error as Error).stack).toMatch(expected)
    for (const event of perEvent) {
      expect(event).toHaveLength(1)
      expect(text(event[0]!)).toMatch(expected)
    }
  })

  it('--python naming no file: the same one line, naming it', async () => {
    const { perEvent } = await lines('/nonexistent/python3')
    for (const event of perEvent) {
      expect(event).toHaveLength(1)
      expect(text(event[0]!)).toBe(
        'PythonNotFoundError: /nonexistent/python3 not found: .py handlers need Python 3.8 or later; install it (apt-get install python3, brew install python) or choose one with --python <path> or by activating a virtualenv',
      )
    }
  })

  it('--python naming a file that is not executable: one line too', async () => {
    const notExecutable = join(root, 'python3.txt')
    writeFileSync(notExecutable, 'not a program\n')
    const { perEvent } = await lines(notExecutable)
    for (const event of perEvent) {
      expect(event).toHaveLength(1)
      expect(text(event[0]!)).toMatch(
        /^PythonNotFoundError: \S+python3\.txt is not executable: \.py handlers need Python 3\.8 or later; /,
      )
    }
  })
})
