// The issue-2 minimal handler, bundled as a Lambda would be: esbuild, minified, ESM,
// the AWS SDK external. Shared by app.bench.mjs (size) and bundle-floor.mjs (analysis).
import { build } from 'esbuild'

const root = new URL('..', import.meta.url).pathname

/** Bundles the handler with `App` imported from `appModule` (dist or src). */
export async function bundleMinimalHandler(appModule, plugins = []) {
  const result = await build({
    stdin: {
      contents: `import { App } from ${JSON.stringify(appModule)}
const app = new App()
app.webSocket('$default', async (ctx) => { const ws = ctx.asWebSocket(); await ws.sendJSON({ echo: ws.json() }) })
export const handler = app.handler`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@aws-sdk/*'],
    write: false,
    metafile: true,
    plugins,
  })
  return { bytes: result.outputFiles[0].contents, metafile: result.metafile }
}
