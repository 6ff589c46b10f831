import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../../../', import.meta.url))

/** GET/POST/DELETE on the inspector's API; the JSON (or text) and the status. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}api${path}`, { method, body, headers })
  const type = res.headers.get('content-type') ?? ''
  const data = type.includes('json') ? await res.json() : await res.text()
  return { status: res.status, data: data as any }
}

/** Writes a copied test beside a copy of the fixture App and runs it with vitest; the exit code and output. */
export function runSnippet(name: string, text: string): Promise<{ code: number | null; output: string }> {
  const dir = `${REPO}test-output/snippets/${name}-${process.pid}-${Date.now()}`
  mkdirSync(dir, { recursive: true })
  copyFileSync(fileURLToPath(new URL('./fixtures/app.ts', import.meta.url)), `${dir}/app.ts`)
  writeFileSync(`${dir}/copied.test.ts`, text)
  // The repository's aliases (socketeer, socketeer/testkit → sources), this folder only.
  writeFileSync(
    `${dir}/vitest.config.mts`,
    `import { mergeConfig } from 'vitest/config'\nimport base from '${REPO}vitest.config.ts'\n` +
      `export default mergeConfig(base, { test: { include: ['${dir}/*.test.ts'], pool: 'threads' } })\n`,
  )
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [`${REPO}node_modules/vitest/vitest.mjs`, 'run', '--config', `${dir}/vitest.config.mts`, '--root', dir],
      {
        cwd: REPO,
        env: { ...process.env, VITEST: undefined, VITEST_WORKER_ID: undefined, VITEST_POOL_ID: undefined },
      },
    )
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('close', (code) => resolve({ code, output }))
  })
}
