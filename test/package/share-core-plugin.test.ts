import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'
import { afterEach, describe, expect, it } from 'vitest'
import { shareCore } from '../../scripts/share-core-plugin.js'

// The build rule that keeps one copy of each public class: a face's import of a core
// module with public exports becomes an import of `socketeer`; a listed internal
// helper is copied; anything else fails the build. Run on small made-up projects.

let root: string
afterEach(() => rmSync(root, { recursive: true, force: true }))

async function buildFace(files: Record<string, string>): Promise<string> {
  root = mkdtempSync(join(tmpdir(), 'share-core-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  const out = await build({
    entryPoints: [join(root, 'src/dev/index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    plugins: [shareCore(root, { copyable: [/^src\/helper\.ts$/] })],
  })
  return out.outputFiles[0]?.text ?? ''
}

const barrel = `export { AppError } from './errors.js'\nexport type { Shape } from './shape.js'\n`

describe('share-core build plugin', () => {
  it('turns an import of a public module into an import of socketeer, and copies a listed helper', async () => {
    const out = await buildFace({
      'src/index.ts': barrel,
      'src/errors.ts': 'class AppError extends Error {}\nexport { AppError }\n',
      'src/helper.ts': `import { AppError } from './errors.js'\nexport const fail = () => { throw new AppError('x') }\n`,
      'src/dev/index.ts': `export { fail } from '../helper.js'\nexport { AppError } from '../errors.js'\n`,
    })
    expect(out).toMatch(/from "socketeer"/)
    expect(out).toContain('fail')
    expect(out).not.toMatch(/class AppError/)
  })

  it('refuses a module that mixes public and internal exports, however the class is declared', async () => {
    await expect(
      buildFace({
        'src/index.ts': barrel,
        'src/errors.ts':
          'const AppError = class extends Error {}\nexport { AppError }\nexport const LIMIT = 1\n',
        'src/dev/index.ts': `export { AppError, LIMIT } from '../errors.js'\n`,
      }),
    ).rejects.toThrow(/src\/errors\.ts .*mixes public exports \(AppError\) with internal ones \(LIMIT\)/)
  })

  it('refuses to copy an internal module that is not listed as copyable', async () => {
    await expect(
      buildFace({
        'src/index.ts': barrel,
        'src/errors.ts': 'export class AppError extends Error {}\n',
        'src/state.ts': 'export const seen = new WeakMap()\n',
        'src/dev/index.ts': `export { seen } from '../state.js'\n`,
      }),
    ).rejects.toThrow(/src\/state\.ts .*is internal and not listed as copyable/)
  })

  it('decides by module, not by name: an internal export named like a public one is copied', async () => {
    const out = await buildFace({
      'src/index.ts': barrel,
      'src/errors.ts': 'export class AppError extends Error {}\n',
      'src/helper.ts': 'export class AppError { readonly own = true }\n',
      'src/dev/index.ts': `export { AppError as Local } from '../helper.js'\n`,
    })
    expect(out).not.toMatch(/socketeer/)
    expect(out).toMatch(/own = true/)
  })

  it('refuses a barrel whose runtime exports are not all `export { … } from` lines', async () => {
    await expect(
      buildFace({
        'src/index.ts': `${barrel}export const VERSION = '1'\n`,
        'src/errors.ts': 'export class AppError extends Error {}\n',
        'src/dev/index.ts': `export { AppError } from '../errors.js'\n`,
      }),
    ).rejects.toThrow(/every runtime export must be an `export \{ … \} from` line; not: VERSION/)
  })
})
