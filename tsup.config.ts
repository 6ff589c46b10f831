import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Options } from 'tsup'
import { shareCore } from './scripts/share-core-plugin'

const root = fileURLToPath(new URL('.', import.meta.url))

const faces = {
  'testkit/index': 'testkit/index.ts',
  'dev/index': 'src/dev/index.ts',
  'dev/cli': 'src/dev/cli.ts',
  'cdk/index': 'src/cdk/index.ts',
  'client/index': 'src/client/index.ts',
}

const common: Options = {
  format: ['esm', 'cjs'],
  target: 'node20',
  sourcemap: false,
  treeshake: true,
  // Loaded lazily or by optional faces only; never bundled.
  external: [/^@aws-sdk\//, 'aws-cdk-lib', /^aws-cdk-lib\//, 'constructs', 'ws', 'tsx', /^tsx\//],
}

// The three builds below run side by side, so none of them can own `clean`: dist/ is
// emptied here, once per tsup run, so no stale chunk is left to be published.
rmSync(new URL('dist', import.meta.url), { recursive: true, force: true })

export default defineConfig([
  // Types for every face in one pass, so a class has one declaration across faces.
  { ...common, entry: { index: 'src/index.ts', ...faces }, dts: { only: true } },
  // The runtime face as a single file: a cold start resolves one module.
  { ...common, entry: { index: 'src/index.ts' }, splitting: false },
  // The other faces share the core's classes through `socketeer` (see the plugin).
  { ...common, entry: faces, splitting: true, esbuildPlugins: [shareCore(root)] },
])
