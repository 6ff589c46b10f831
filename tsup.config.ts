import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testkit/index': 'testkit/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: false,
  splitting: true,
  treeshake: true,
  // The SDK is loaded lazily by the streamer transport; never bundle it.
  external: ['@aws-sdk/client-apigatewaymanagementapi'],
})
