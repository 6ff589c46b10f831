import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

// The gateway's log prints wall-clock times in the zone the process started in, even
// after Node handlers' Lambda TZ (UTC) is set in process.env.
describe('dev log clock', () => {
  it('keeps the starting zone after TZ changes', () => {
    const script = `
      const { formatLine } = await import(${JSON.stringify(new URL('../../src/dev/log.ts', import.meta.url).pathname)})
      const at = new Date(Date.UTC(2026, 0, 15, 12, 34, 56, 789))
      const before = formatLine({ kind: 'GATEWAY' }, at)
      process.env.TZ = ':UTC'
      const after = formatLine({ kind: 'GATEWAY' }, at)
      console.log(JSON.stringify([before.slice(0, 12), after.slice(0, 12)]))
    `
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, TZ: 'Asia/Kolkata' },
      encoding: 'utf8',
    })
    expect(run.stderr).toBe('')
    // Kolkata is UTC+5:30, with no DST.
    expect(JSON.parse(run.stdout)).toEqual(['18:04:56.789', '18:04:56.789'])
  })
})
