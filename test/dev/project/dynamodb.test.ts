import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { afterEach, describe, expect, it } from 'vitest'
import { scan, startProject } from './helpers.js'

// The embedded DynamoDB kept in a folder across restarts, and `--dynamodb <url>` pointing
// at a server that is already running (the tables are created there).

const TEMPLATE = join(import.meta.dirname, 'fixtures/sam-authorizer/template.yaml')
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const put = async (endpoint: string, id: string) => {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
  await client.send(
    new PutItemCommand({
      TableName: 'local-connections',
      Item: { connectionId: { S: id }, user: { S: 'u' } },
    }),
  )
  client.destroy()
}

describe('the embedded DynamoDB', () => {
  it('--dynamodb-dir keeps tables and items across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-dynamodb-'))
    dirs.push(dir)
    const first = await startProject({ project: { kind: 'sam', file: TEMPLATE }, dynamodb: { port: 0, dir } })
    expect(first.dynamodb?.tables[0]?.status).toBe('created')
    await put(first.dynamodb!.endpoint, 'kept')
    await first.close()
    const second = await startProject({
      project: { kind: 'sam', file: TEMPLATE },
      dynamodb: { port: 0, dir },
    })
    expect(second.dynamodb?.tables[0]?.status).toBe('exists')
    const items = await scan(second.dynamodb!.endpoint, 'local-connections')
    expect(items.map((i) => i.connectionId?.S)).toEqual(['kept'])
  })

  it('--dynamodb <url> creates the tables in a running server and starts none', async () => {
    const dynalite = createRequire(import.meta.url)('dynalite') as (o: object) => import('node:http').Server
    const server = dynalite({ createTableMs: 0 })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const dev = await startProject({ project: { kind: 'sam', file: TEMPLATE }, dynamodb: { url } })
      expect(dev.dynamodb).toMatchObject({ endpoint: url, embedded: false })
      expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(url)
      await put(url, 'there')
      expect((await scan(url, 'local-connections')).length).toBe(1)
      await dev.close()
      // The endpoint variable goes back to what it was.
      expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined()
    } finally {
      await new Promise<void>((r) => server.close(() => r()))
    }
  })
})
