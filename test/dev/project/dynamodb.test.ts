import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCli } from '../../../src/dev/cli-args.js'
import { connect, scan, startProject, waitFor } from './helpers.js'

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

describe('--no-dynamodb', () => {
  // One Node and one Python function answer with the variable as they see it.
  function project(): string {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-no-dynamodb-'))
    dirs.push(dir)
    writeFileSync(
      join(dir, 'app.mjs'),
      "export const node = async () => ({ statusCode: 200, body: 'node ' + (process.env.AWS_ENDPOINT_URL_DYNAMODB ?? 'unset') })\n",
    )
    writeFileSync(
      join(dir, 'py_app.py'),
      'import os\n\ndef handler(event, context):\n    return {"statusCode": 200, "body": "python " + os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", "unset")}\n',
    )
    const route = (name: string, handler: string, runtime: string) => [
      `  ${name}:`,
      `    handler: ${handler}`,
      `    runtime: ${runtime}`,
      '    events:',
      `      - websocket: { route: ${name}, routeResponseSelectionExpression: $default }`,
    ]
    writeFileSync(
      join(dir, 'serverless.yml'),
      [
        'service: no-dynamodb',
        'provider:',
        '  name: aws',
        'functions:',
        ...route('node', 'app.node', 'nodejs20.x'),
        ...route('python', 'py_app.handler', 'python3.12'),
        'resources:',
        '  Resources:',
        '    Table:',
        '      Type: AWS::DynamoDB::Table',
        '      Properties:',
        '        TableName: items',
        '        BillingMode: PAY_PER_REQUEST',
        '        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]',
        '        KeySchema: [{ AttributeName: id, KeyType: HASH }]',
        '',
      ].join('\n'),
    )
    return join(dir, 'serverless.yml')
  }

  async function seen(url: string): Promise<string[]> {
    const client = await connect(url)
    client.ws!.send(JSON.stringify({ action: 'node' }))
    client.ws!.send(JSON.stringify({ action: 'python' }))
    await waitFor('both answers', () => client.frames.length === 2, 20_000)
    client.ws!.close()
    return client.frames.sort()
  }

  it('starts no DynamoDB and leaves AWS_ENDPOINT_URL_DYNAMODB unset for Node and Python handlers', async () => {
    const outer = process.env.AWS_ENDPOINT_URL_DYNAMODB
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB
    try {
      const file = project()
      // The same project with the embedded server: both handlers see its endpoint.
      const on = await startProject({ project: { kind: 'serverless', file } })
      expect(await seen(on.gateway.url)).toEqual([
        `node ${on.dynamodb!.endpoint}`,
        `python ${on.dynamodb!.endpoint}`,
      ])
      await on.close()

      const { dynamodb } = parseCli(['dev', '--no-dynamodb']).options
      const off = await startProject({ project: { kind: 'serverless', file }, dynamodb })
      expect(off.dynamodb).toBeUndefined()
      expect(await seen(off.gateway.url)).toEqual(['node unset', 'python unset'])
      expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined()
    } finally {
      if (outer !== undefined) process.env.AWS_ENDPOINT_URL_DYNAMODB = outer
    }
  })
})
