import { fileURLToPath } from 'node:url'
import { type GatewayOptions, startGateway } from '../../src/dev/index.js'
import { createTestApp, type TestAppOptions } from './app.js'

export type Gateway = Awaited<ReturnType<typeof startGateway>>

/** The test App behind a real local gateway on a free port (or the given one, for a restart). */
export async function startTestGateway(
  options: Partial<GatewayOptions> & TestAppOptions = {},
): Promise<{ gw: Gateway; app: ReturnType<typeof createTestApp> }> {
  const { tokens, rooms, clientScript, store, authorizeTokens, ...gateway } = options
  const app = createTestApp({ tokens, rooms, clientScript, store, authorizeTokens })
  const gw = await startGateway({
    handler: app.app.handler,
    port: 0,
    logger: false,
    routeResponses: ['whoami', 'crashTwoWay'],
    keepaliveRoutes: ['socketeer.keepalive'],
    routes: {
      // A function that fails outside any App: API Gateway's own error frame.
      boom: () => {
        throw new Error('boom')
      },
    },
    ...gateway,
  })
  return { gw, app }
}

export function waitFor(check: () => boolean, ms = 10_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + ms
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve()
      if (Date.now() > deadline) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`))
      setTimeout(tick, 10)
    }
    tick()
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** socketeer/client as one minified browser module, built from source. */
export async function clientBundle(): Promise<string> {
  const { build } = await import('esbuild')
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../../src/client/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  })
  return out.outputFiles[0]!.text
}
