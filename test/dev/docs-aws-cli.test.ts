import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bannerLines } from '../../src/dev/banner.js'
import type { DevServer } from '../../src/dev/dev-server.js'
import { connected, start } from './helpers.js'

// The AWS CLI command the docs give for @connections is the one the banner prints (AWS CLI
// v2 needs `--cli-binary-format raw-in-base64-out`, or it base64-decodes `--data`), and it
// delivers, run as the page says.

const DOCS = join(import.meta.dirname, '../../docs')
const DOCS_ENDPOINT = 'http://127.0.0.1:3001/dev'

/** The page's sh block that posts to a connection, on one line. */
function snippet(page: string): string {
  const text = readFileSync(join(DOCS, page), 'utf8')
  const block = [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((b) => b.includes('post-to-connection'))
  if (!block) throw new Error(`${page} has no AWS CLI post-to-connection block`)
  return block.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim()
}

/** The command's words, without the (unchecked) credential values. */
const words = (line: string) =>
  line.split(' ').filter((w) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)=/.test(w))

describe('the AWS CLI line in the docs', () => {
  for (const [page, idVar] of [
    ['coming-from.md', 'CONNECTION_ID'],
    ['recipes.md', 'ID'],
  ] as const) {
    it(`${page}: the banner's command, and it delivers`, async () => {
      const { gw } = await start({ handler: async () => ({ statusCode: 200 }) })
      const dev = { gateway: gw, files: () => [] } as unknown as DevServer
      const banner = bannerLines(dev, {}).find((l) => l.label === 'aws cli')!.value
      const line = snippet(page)
      expect(words(line.replace(DOCS_ENDPOINT, 'ENDPOINT').replace(`"$${idVar}"`, 'ID'))).toEqual(
        words(banner.replace(gw.managementEndpoint, 'ENDPOINT')),
      )

      const aws = spawnSync('aws', ['--version'], { encoding: 'utf8' })
      if (aws.status !== 0) {
        console.warn('SKIPPED: running the docs AWS CLI line: the aws CLI is not installed')
        return
      }
      const c = await connected(gw.url)
      const id = gw.connections()[0]!
      // As the page says: AWS CLI v1 has no --cli-binary-format (and sends the text as is).
      const v1 = /aws-cli\/1\./.test(aws.stdout + aws.stderr)
      const command = (v1 ? line.replace(' --cli-binary-format raw-in-base64-out', '') : line).replace(
        DOCS_ENDPOINT,
        gw.managementEndpoint,
      )
      const home = mkdtempSync(join(tmpdir(), 'socketeer-aws-'))
      try {
        // Not spawnSync: the gateway answering the CLI runs in this process.
        const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = execFile(
            'sh',
            ['-c', command],
            { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home, [idVar]: id } },
            (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
          )
        })
        expect(r.stderr).toBe('')
        expect(r.code).toBe(0)
      } finally {
        rmSync(home, { recursive: true, force: true })
      }
      expect((await c.next()).data).toBe('hello')
    })
  }
})
