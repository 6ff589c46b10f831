#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { bannerLines, renderBanner } from './banner.js'
import { parseCli, withConfig } from './cli-args.js'
import { USAGE } from './cli-help.js'
import { colourEnabled, type Paint, paint, paintLogLine } from './colour.js'
import { loadConfig } from './config.js'
import { DEV_INSTALL_COMMAND, missingDevPackages } from './dev-packages.js'
import { type DevOptions, type DevServer, resolveDevOptions, startDev } from './dev-server.js'
import { DynamoStartError } from './dynamodb/errors.js'
import { EntryLoadError, GatewayOptionError, MissingDevPackageError, UsageError } from './errors.js'
import { printableConfig } from './project/banner.js'
import { ProjectFileError } from './project/errors.js'
import { findProjectFile } from './project/find.js'
import { watchFiles } from './watch.js'

// `socketeer dev <entry>`: the local gateway on handler entries, with hot reload.
// A user's mistake is one line on stderr and exit code 2; the stack only with --verbose.

const USER_MISTAKE = 2
const FAILURE = 1

function version(): string {
  // dist/dev/cli.js and src/dev/cli.ts are both two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  return String(pkg.version)
}

function stackOf(error: unknown): string {
  if (!(error instanceof Error)) return ''
  const cause = error.cause === undefined ? '' : `\ncaused by: ${stackOf(error.cause).trimStart()}`
  return `\n${error.stack ?? error.message}${cause}`
}

/** The one line (and exit code) for an error; the stack follows only with --verbose. */
function explain(error: unknown, options: DevOptions): { line: string; code: number } {
  if (error instanceof UsageError || error instanceof GatewayOptionError)
    return { line: error.message, code: USER_MISTAKE }
  const e = error as NodeJS.ErrnoException
  if (e?.code === 'EADDRINUSE')
    return {
      line: `port ${options.port ?? 3001} is in use: pick another with --port (0 picks a free one)`,
      code: USER_MISTAKE,
    }
  if (e?.code === 'EACCES')
    return { line: `not allowed to listen on port ${options.port}: use one above 1023`, code: USER_MISTAKE }
  if (e?.code === 'EADDRNOTAVAIL' || e?.code === 'ENOTFOUND')
    return { line: `cannot listen on host ${options.host}: no such local address`, code: USER_MISTAKE }
  if (
    error instanceof EntryLoadError ||
    error instanceof ProjectFileError ||
    error instanceof DynamoStartError
  )
    return { line: error.message, code: FAILURE }
  const text = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error)
  return { line: `${text} (--verbose shows the stack)`, code: FAILURE }
}

// A handler that fails to load at start, in watch mode: say so and wait for a change to
// one of the files it had reached, as a later failed reload keeps waiting.
async function startWhenLoadable(options: DevOptions, p: Paint, say: (line: string) => void) {
  for (;;) {
    try {
      return await startDev(options)
    } catch (error) {
      if (!(error instanceof EntryLoadError) || options.watch === false) throw error
      say(`${p.red(error.message)}\n${p.dim('waiting for a change to retry (Ctrl-C stops)')}`)
      await new Promise<void>((resolve) => {
        // The watcher does not keep the process alive; this interval does, until the change.
        const keep = setInterval(() => {}, 1 << 30)
        const watcher = watchFiles(() => {
          clearInterval(keep)
          watcher.close()
          resolve()
        })
        watcher.set(error.files)
      })
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const err = paint(colourEnabled(process.stderr))
  const out = paint(colourEnabled(process.stdout))
  const verbose = argv.includes('--verbose')
  const fail = (error: unknown, options: DevOptions = {}): number => {
    const { line, code } = explain(error, options)
    process.stderr.write(`${err.red('socketeer:')} ${line}${verbose ? stackOf(error) : ''}\n`)
    return code
  }

  let parsed: ReturnType<typeof parseCli>
  try {
    parsed = parseCli(argv)
  } catch (error) {
    return fail(error)
  }
  if (parsed.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (parsed.version) {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  const missing = missingDevPackages((name) => import.meta.resolve(name))
  if (missing.length > 0) return fail(new MissingDevPackageError(missing, DEV_INSTALL_COMMAND))

  let options: DevOptions = parsed.options
  try {
    options = withConfig(parsed.config ? await loadConfig(parsed.config) : {}, parsed.options)
  } catch (error) {
    return fail(error, options)
  }
  // No entry: the project file in this folder (serverless.yml, template.yaml), if any.
  if (!options.entry && !options.routes && !options.project) {
    const found = findProjectFile(process.cwd())
    if (found) options = { ...options, project: found }
  }
  if (parsed.printConfig) {
    try {
      const resolved = await resolveDevOptions(options)
      process.stdout.write(
        `${JSON.stringify(printableConfig(resolved.options, resolved.project), null, 2)}\n`,
      )
      return 0
    } catch (error) {
      return fail(error, options)
    }
  }
  if (!options.entry && !options.routes && !options.project)
    return fail(
      new UsageError(
        'no entry, and no serverless.yml or template.yaml here: socketeer dev <entry>, or --serverless / --template',
      ),
      options,
    )
  if (options.logger === undefined)
    options.logger = (line: string) => process.stdout.write(`${paintLogLine(line, out)}\n`)

  let dev: DevServer
  try {
    dev = await startWhenLoadable(options, err, (line) => process.stderr.write(`${line}\n`))
  } catch (error) {
    return fail(error, options)
  }
  process.stdout.write(
    renderBanner(
      `${out.bold(`socketeer dev ${version()}`)}: a local API Gateway WebSocket API`,
      bannerLines(dev, options),
      out.cyan,
    ),
  )
  process.stdout.write(
    `${out.dim('Ctrl-C stops (open connections get $disconnect with 1001 Going away)')}\n\n`,
  )

  let stopping = false
  const stop = async () => {
    // A second Ctrl-C does not wait for $disconnect handlers.
    if (stopping) process.exit(1)
    stopping = true
    const open = dev.gateway.connections().length
    process.stdout.write(
      `\n${out.dim(`stopping: closing ${open} connection${open === 1 ? '' : 's'} (Ctrl-C again to quit at once)`)}\n`,
    )
    await dev.close()
    process.stdout.write(`${out.dim('stopped')}\n`)
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return -1
}

// A handler's stray rejection is reported, never fatal: the gateway keeps serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(
    `socketeer: unhandled rejection in a handler: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
  )
})

process.on('uncaughtException', (error) => {
  process.stderr.write(`socketeer: uncaught exception in a handler: ${error.stack ?? error.message}\n`)
})

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (error) => {
    process.stderr.write(
      `socketeer: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exit(1)
  },
)
