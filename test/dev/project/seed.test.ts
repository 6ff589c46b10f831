import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// Seed 003's project, its files unchanged (serverless.yml, tsconfig.json, package.json and
// the three TypeScript handlers with `aws-sdk` v2 as written), served by `socketeer dev`
// run in its folder with no flags. Its files name fixed ports (websocketPort 3001, and
// LocalStack's 4566 in the handlers' IS_OFFLINE branch), so the run happens in a private
// network namespace (`unshare -rn`), where those ports collide with nothing.

const FIXTURE = join(import.meta.dirname, 'fixtures/seed-003')
const DRIVER = join(import.meta.dirname, 'seed-driver.mjs')

const isolated =
  spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up && echo ok'], {
    encoding: 'utf8',
  }).stdout?.trim() === 'ok'
if (!isolated)
  console.log(
    'SKIPPED: seed 003 end to end needs `unshare -rn` and `ip` (a private network namespace for its fixed ports)',
  )

function drive(): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', [
      '-rn',
      'sh',
      '-c',
      `ip link set lo up && exec "${process.execPath}" "${DRIVER}" "${FIXTURE}"`,
    ])
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('exit', () => {
      const last = out.trim().split('\n').at(-1) ?? ''
      try {
        resolve(JSON.parse(last))
      } catch {
        reject(new Error(`the driver printed no result:\n${out}`))
      }
    })
  })
}

describe.skipIf(!isolated)('seed 003 on socketeer dev', () => {
  it('connects at the stage path, records in the embedded table, broadcasts, removes on 410 and $disconnect', async () => {
    const r = await drive()
    expect(r.error, `${r.error}\n${r.stdout}\n${r.stderr}`).toBeUndefined()
    // The banner says what was read.
    expect(r.banner).toContain('ws://127.0.0.1:3001/development')
    expect(r.banner).toMatch(/route +\$connect +→ connectHandler/)
    expect(r.banner).toMatch(/http +POST \/broadcast\/comments +→ broadcastComments/)
    expect(r.banner).toContain('http://127.0.0.1:4566 (embedded')
    expect(r.banner).toContain('comments-websocket-api-development-connections (created; TTL on ttl')
    // The connect handler's records, with its TTL attribute.
    expect(r.afterConnect).toHaveLength(2)
    for (const item of r.afterConnect) expect(Number(item.ttl)).toBeGreaterThan(Date.now() / 1000)
    // POST /development/broadcast/comments: every client gets it; the stale record's 410 deletes it.
    expect(r.broadcast.status).toBe(200)
    expect(r.broadcast.body).toEqual({ message: 'Broadcast completed', connectionCount: 3 })
    expect(r.broadcast.cors).toBe('http://localhost:3000')
    for (const frames of [r.frames.a, r.frames.b])
      expect(frames[0]).toMatchObject({ type: 'comments_list', data: { post_id: 'p1' } })
    expect(r.afterBroadcast.map((i: { connectionId: string }) => i.connectionId).sort()).toEqual(
      r.afterConnect.map((i: { connectionId: string }) => i.connectionId).sort(),
    )
    expect(r.stdout).toContain('Removed stale connection: staleConnId0AAA=')
    expect(r.stdout).toMatch(/MANAGE +POST @connections +staleConnId0AAA= +410/)
    // $default echoes through @connections at the stageless endpoint serverless-offline offers.
    expect(r.echo).toMatchObject({ type: 'echo', data: { message: 'Message received' } })
    // $disconnect deleted the closed client's record.
    expect(r.afterDisconnect).toHaveLength(1)
    expect(r.stderr).toBe('')
  }, 60_000)
})
