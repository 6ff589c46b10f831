import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Options } from 'tsup'
import { inlineAws4 } from './scripts/inline-aws4-plugin'
import { shareCore } from './scripts/share-core-plugin'

const root = fileURLToPath(new URL('.', import.meta.url))

const faces = {
  'testkit/index': 'testkit/index.ts',
  'dev/index': 'src/dev/index.ts',
  'dev/cli': 'src/dev/cli.ts',
  'cdk/index': 'src/cdk/index.ts',
  'dynamodb/index': 'src/dynamodb/index.ts',
  'client/index': 'src/client/index.ts',
}

const common: Options = {
  format: ['esm', 'cjs'],
  target: 'node20',
  sourcemap: false,
  treeshake: true,
  // Loaded lazily or by optional faces only; never bundled.
  external: [/^@aws-sdk\//, 'aws-cdk-lib', /^aws-cdk-lib\//, 'constructs', 'ws', 'tsx', /^tsx\//],
  // The SigV4 signer is carried inside socketeer, its Node built-ins loaded without
  // `require` (see the plugin): an ESM bundle of an App then sends without a banner.
  noExternal: ['aws4'],
}

// The two builds below run side by side, so neither can own `clean`: dist/ is emptied
// here, once per tsup run, so no stale chunk is left to be published. Declarations are
// not made here but by `tsc` afterwards (tsconfig.types.json, scripts/types-cjs.mjs): one
// file per source module, so a consumer's type error names `dist/types/…/streamer/types`'s
// `StreamerClient`, never a hashed chunk's one-letter alias.
rmSync(new URL('dist', import.meta.url), { recursive: true, force: true })

export default defineConfig([
  // The runtime face as a single file: a cold start resolves one module.
  { ...common, entry: { index: 'src/index.ts' }, splitting: false, esbuildPlugins: [inlineAws4()] },
  // The other faces share the core's classes through `socketeer` (see the plugin).
  { ...common, entry: faces, splitting: true, esbuildPlugins: [shareCore(root), inlineAws4()] },
])
