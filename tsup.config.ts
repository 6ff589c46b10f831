import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testkit/index': 'testkit/index.ts',
    'dev/index': 'src/dev/index.ts',
    'dev/cli': 'src/dev/cli.ts',
    'cdk/index': 'src/cdk/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: false,
  splitting: true,
  treeshake: true,
  // Loaded lazily or by optional faces only; never bundled.
  external: [/^@aws-sdk\//, 'aws-cdk-lib', /^aws-cdk-lib\//, 'constructs', 'ws', 'tsx', /^tsx\//],
})
