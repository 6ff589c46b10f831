import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseCli } from '../../../src/dev/cli-args.js'
import { parseEntry } from '../../../src/dev/runtime/entry.js'
import { lambdaHandlerString } from '../../../src/dev/runtime/python.js'
import { pythonCommand } from '../../../src/dev/runtime/python-interpreter.js'

// Entry forms as users write them, into the one EntrySpec shape.

const dir = mkdtempSync(join(tmpdir(), 'socketeer-entry-'))
mkdirSync(join(dir, 'src/handlers'), { recursive: true })
writeFileSync(join(dir, 'src/handlers/onconnect.py'), 'def handler(e, c):\n    return {}\n')
writeFileSync(join(dir, 'src/app.ts'), 'export const handler = () => ({})\n')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('entries', () => {
  it('a .py file: its handler, in the python runtime, imported from its own folder', () => {
    const spec = parseEntry('src/handlers/onconnect.py', dir)
    expect(spec).toEqual({ file: join(dir, 'src/handlers/onconnect.py'), runtime: 'python' })
    expect(lambdaHandlerString(spec)).toBe('onconnect.handler')
  })

  it('file.py#fn names another function; a code directory makes the module path longer', () => {
    const spec = parseEntry('src/handlers/onconnect.py#on_connect', dir, 'src')
    expect(spec).toMatchObject({ exportName: 'on_connect', codeDir: join(dir, 'src'), runtime: 'python' })
    expect(lambdaHandlerString(spec)).toBe('handlers.onconnect.on_connect')
  })

  it("Lambda's module.fn handler string is found under the code directory", () => {
    expect(parseEntry('handlers.onconnect.handler', dir, 'src')).toEqual({
      file: join(dir, 'src/handlers/onconnect.py'),
      exportName: 'handler',
      runtime: 'python',
      codeDir: join(dir, 'src'),
    })
    expect(parseEntry('app.handler', dir, 'src')).toMatchObject({
      file: join(dir, 'src/app.ts'),
      runtime: 'node',
    })
  })

  it('a missing .py file is refused by name', () => {
    expect(() => parseEntry('nope.py', dir)).toThrow(`nope.py: no such file ${join(dir, 'nope.py')}`)
  })

  it('the interpreter: --python, else the virtualenv, else python3', () => {
    expect(pythonCommand('/opt/py/bin/python3.12', { VIRTUAL_ENV: '/v' })).toBe('/opt/py/bin/python3.12')
    expect(pythonCommand(undefined, { VIRTUAL_ENV: '/work/.venv' })).toBe('/work/.venv/bin/python')
    expect(pythonCommand(undefined, {})).toBe('python3')
  })

  it('the CLI flags', () => {
    expect(
      parseCli(['dev', 'onconnect.handler', '--code-dir', 'src', '--python', '/usr/bin/python3', '--no-tls'])
        .options,
    ).toMatchObject({ entry: 'onconnect.handler', codeDir: 'src', python: '/usr/bin/python3', tls: false })
  })
})
