import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

// The core must not load the DynamoDB SDK until a DynamoConnectionStore is first used:
// in a process where that SDK cannot be resolved at all, the whole package (App, memory
// store) still works, and the Dynamo store fails on first use with a clear message.

const run = promisify(execFile)
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

it('loads the DynamoDB SDK only on first use, and names the missing peer dependency', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--import', here('./fixtures/block-dynamodb.mjs'), here('./fixtures/lazy-sdk.ts')],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 30_000 },
  )
  const out = JSON.parse(stdout)
  expect(out.connect).toEqual({ statusCode: 200 })
  expect(out.saved).toBe(true)
  expect(out.dynamo).toMatch(/needs @aws-sdk\/client-dynamodb and @aws-sdk\/lib-dynamodb installed/)
})
