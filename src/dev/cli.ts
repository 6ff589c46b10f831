#!/usr/bin/env node
import { parseCli, USAGE, UsageError, withConfig } from './cli-args.js'
import { loadConfig } from './config.js'
import { type DevOptions, type DevServer, startDev } from './dev-server.js'

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
    options.watch === false
      ? '  hot reload  off: restart to pick up changes'
      : `  watching    ${dev.files().length} file${dev.files().length === 1 ? '' : 's'} (changes reload the handlers, connections stay open)`,
    '',
  ].join('\n')
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
  const options = withConfig(parsed.config ? await loadConfig(parsed.config) : {}, parsed.options)
  let dev: DevServer
  try {
    dev = await startDev(options)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE')
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
