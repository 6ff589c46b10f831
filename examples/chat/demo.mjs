// `npm run demo`: the chat example on the local gateway, until Ctrl-C.
// Imports the package by name, as a user would (the build's exports map), and loads
// the TypeScript example through tsx. PORT=0 picks a free port.
import { build } from 'esbuild'
import { startGateway } from 'socketeer/dev'
import { tsImport } from 'tsx/esm/api'

const port = Number(process.env.PORT ?? 3001)
const host = process.env.HOST ?? '127.0.0.1'
const { createChatApp } = await tsImport('./app.ts', import.meta.url)
// The page imports socketeer/client from ./client.js: one browser module, bundled now.
const bundle = await build({
  stdin: { contents: "export * from 'socketeer/client'", resolveDir: import.meta.dirname, loader: 'js' },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
})
const { handler } = createChatApp({}, { clientScript: bundle.outputFiles[0].text })

let gw
try {
  gw = await startGateway({
    handler,
    host,
    port,
    routeResponses: ['whoami'],
    // The inspector beside the chat; its "copy as test" imports the App from the example.
    inspector: { appImport: './examples/chat/app.js' },
    keepaliveRoutes: ['socketeer.keepalive'],
  })
} catch (error) {
  if (error?.code === 'EADDRINUSE') {
    console.error(`port ${port} is busy; try: PORT=${port + 1} npm run demo`)
    process.exit(1)
  }
  throw error
}

console.log(`
socketeer chat on the local gateway

  page        ${gw.httpUrl}/          (open it in two tabs)
  inspector   ${gw.inspectorUrl}   (every connection, event and @connections call)
  websocket   ${gw.url}
  management  ${gw.managementEndpoint}/@connections/{connectionId}

try:
  curl -X POST ${gw.httpUrl}/notice -H 'content-type: application/json' -d '{"text":"hello from curl"}'

Ctrl-C to stop.
`)

let closing = false
const stop = async () => {
  if (closing) process.exit(1) // a second Ctrl-C does not wait
  closing = true
  await gw.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
