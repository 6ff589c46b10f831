#!/usr/bin/env node
import { parseCli, USAGE, UsageError, withConfig } from './cli-args.js'
import { loadConfig } from './config.js'
import { type DevOptions, type DevServer, resolveDevOptions, startDev } from './dev-server.js'
import { DynamoStartError } from './dynamodb/errors.js'
import { printableConfig, projectBanner } from './project/banner.js'
import { ProjectFileError } from './project/errors.js'
import { findProjectFile } from './project/find.js'

// `socketeer dev <entry>`: the local gateway on handler entries, with hot reload.

function banner(dev: DevServer, options: DevOptions): string {
  const gw = dev.gateway
  const http =
    options.http === false ? 'off' : options.http === 'v2' ? 'HTTP API (V2) events' : 'REST (V1) proxy events'
  const rr =
    options.routeResponses === true
      ? 'all routes'
      : Array.isArray(options.routeResponses) && options.routeResponses.length > 0
        ? options.routeResponses.join(', ')
        : 'none'
  return [
    'socketeer local gateway',
    `  websocket   ${gw.url}`,
    `  management  ${gw.managementEndpoint}/@connections/{connectionId}`,
    `  http        ${gw.httpUrl} (${http})`,
    gw.inspectorUrl ? `  inspector   ${gw.inspectorUrl}` : '  inspector   off',
    `  route responses: ${rr}`,
    ...projectBanner(dev),
    options.watch === false
      ? '  hot reload  off: restart to pick up changes'
      : `  watching    ${dev.files().length} file${dev.files().length === 1 ? '' : 's'} (changes reload the handlers, connections stay open)`,
    '',
  ].join('\n')
}

/** No entry, routes, config or project file named: the project file in the current folder, if any. */
function detectProject(options: DevOptions): DevOptions {
  if (options.entry || options.routes || options.project) return options
  const found = findProjectFile(process.cwd())
  return found ? { ...options, project: found } : options
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCli>
  try {
    parsed = parseCli(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`socketeer: ${error.message}\n\n${USAGE}`)
    return 2
  }
  if (parsed.help) {
    process.stdout.write(USAGE)
    return 0
  }
  let options = withConfig(parsed.config ? await loadConfig(parsed.config) : {}, parsed.options)
  options = detectProject(options)
  let dev: DevServer
  try {
    if (parsed.printConfig) {
      const resolved = await resolveDevOptions(options)
      process.stdout.write(
        `${JSON.stringify(printableConfig(resolved.options, resolved.project), null, 2)}\n`,
      )
      return 0
    }
    if (!options.entry && !options.routes && !options.project) {
      process.stderr.write(
        'socketeer: no entry, and no serverless.yml or template.yaml here: name a handler module, or --serverless / --template\n\n' +
          USAGE,
      )
      return 2
    }
    dev = await startDev(options)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e instanceof ProjectFileError || e instanceof DynamoStartError)
      process.stderr.write(`socketeer: ${e.message}\n`)
    else if (e.code === 'EADDRINUSE')
      process.stderr.write(`socketeer: port ${options.port ?? 3001} is in use; pick another with --port\n`)
    else process.stderr.write(`socketeer: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    return 1
  }
  process.stdout.write(banner(dev, options))
  let stopping = false
  const stop = async () => {
    // A second Ctrl-C does not wait for $disconnect handlers.
    if (stopping) process.exit(1)
    stopping = true
    await dev.close()
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
