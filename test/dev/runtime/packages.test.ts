import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadEntries } from '../../../src/dev/runtime/loader.js'

// Installed packages load as Node loads them, outside the TypeScript loader's namespace:
// one instance across reloads (as in one Lambda process), while the user's own modules
// run again on each load. An ES module package required from CommonJS TypeScript still
// loads (through the loader).

const dir = mkdtempSync(join(tmpdir(), 'socketeer-packages-'))
const write = (name: string, text: string) => {
  mkdirSync(join(dir, name, '..'), { recursive: true })
  writeFileSync(join(dir, name), text)
}
write('package.json', '{"name":"app"}')
write('node_modules/counter/package.json', '{"name":"counter","main":"index.js"}')
write('node_modules/counter/index.js', 'let n = 0\nmodule.exports = () => ++n\n')
write('node_modules/esm-only/package.json', '{"name":"esm-only","type":"module","main":"index.js"}')
write('node_modules/esm-only/index.js', 'export const answer = 42\n')
write(
  'handler.ts',
  [
    "import counter = require('counter')",
    "import { answer } from 'esm-only'",
    'let own = 0',
    'export const handler = async (): Promise<number[]> => [counter(), ++own, answer]',
    '',
  ].join('\n'),
)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('packages in node_modules', () => {
  it('load once, outside the namespace; the user’s module runs again on reload', async () => {
    const spec = { file: join(dir, 'handler.ts'), exportName: 'handler', runtime: 'node' as const }
    const first = await loadEntries([spec])
    expect(await first.handlers[0]!({}, {})).toEqual([1, 1, 42])
    const second = await loadEntries([spec], first.files)
    await first.release()
    // The package's state carries on; the handler module's own starts again.
    expect(await second.handlers[0]!({}, {})).toEqual([2, 1, 42])
    await second.release()
    // Cached by its plain path, as Node's own require would.
    const cache = createRequire(import.meta.url).cache
    expect(Object.keys(cache)).toContain(join(dir, 'node_modules/counter/index.js'))
    expect([...first.files]).toEqual([join(dir, 'handler.ts')])
  })
})
