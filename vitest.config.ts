import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    alias: {
      'socketeer/testkit': fileURLToPath(new URL('./testkit/index.ts', import.meta.url)),
      'socketeer/cdk': fileURLToPath(new URL('./src/cdk/index.ts', import.meta.url)),
      'socketeer/dev': fileURLToPath(new URL('./src/dev/index.ts', import.meta.url)),
      'socketeer/dynamodb': fileURLToPath(new URL('./src/dynamodb/index.ts', import.meta.url)),
      socketeer: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'contract-tests/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
})
