// `npm run bench`: runs every bench/*.bench.mjs in turn, each in its own process so
// one figure's warm-up or heap does not colour the next. Each prints its own table.
// `--expose-gc` is for memory figures that settle garbage before reading RSS; no bench
// calls gc() between timed samples (a forced GC slows what follows it for a long time).
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const only = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
let failed = 0
for (const file of files) {
  console.log(
    `\n=== ${file} (load average before: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')})`,
  )
  const r = spawnSync(process.execPath, ['--expose-gc', `${dir}${file}`], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
const os = await import('node:os')
console.log(
  `\nmachine: ${process.platform} ${process.arch}, node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')} (1 / 5 / 15 min)`,
)
process.exit(failed ? 1 : 0)
