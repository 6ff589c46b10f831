// How small could the minimal App handler get if optional parts were pay-for-use?
// Bundles the issue-2 handler from the sources with chosen modules replaced by empty
// stubs (every export a no-op), so what remains is what the router itself costs.
// An analysis, not a benchmark: `node bench/bundle-floor.mjs` (run by hand).
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { bundleMinimalHandler } from './minimal-handler.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

const REGISTRY = [
  'connections/lifecycle',
  'connections/broadcast',
  'connections/errors',
  'connections/record',
]
const HTTP_AND_AUTHORIZER = ['events/http', 'app/authorizer', 'streamer/broadcast']
const STREAMER = [
  'streamer/retry',
  'streamer/attempt',
  'streamer/validate',
  'streamer/config',
  'streamer/transport/classify',
  'streamer/transport/sdk',
  'streamer/transport/sigv4',
  'streamer/transport/credentials',
  'streamer/transport/local',
  'streamer/errors',
]

async function bundle(stubbed) {
  const files = new Set(stubbed.map((m) => join(root, 'src', `${m}.ts`)))
  const stub = {
    name: 'stub',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!files.has(args.path)) return undefined
        const m = await build({ entryPoints: [args.path], write: false, metafile: true, format: 'esm' })
        const names = Object.values(m.metafile.outputs)[0].exports
        return { contents: names.map((n) => `export const ${n} = () => {}`).join('\n'), loader: 'ts' }
      })
    },
  }
  const { bytes } = await bundleMinimalHandler(join(root, 'src/index.ts'), [stub])
  return bytes.length
}

const rows = [
  ['as shipped', []],
  ['without the connection registry', REGISTRY],
  ['… and without HTTP parsing, the authorizer, broadcast', [...REGISTRY, ...HTTP_AND_AUTHORIZER]],
  [
    '… and without the @connections client (send does nothing)',
    [...REGISTRY, ...HTTP_AND_AUTHORIZER, ...STREAMER],
  ],
]
const out = []
for (const [what, stubbed] of rows)
  out.push({ 'minimal App handler': what, KB: ((await bundle(stubbed)) / 1024).toFixed(1) })
console.table(out)
