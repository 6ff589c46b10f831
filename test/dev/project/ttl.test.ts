import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { afterEach, describe, expect, it } from 'vitest'
import { startProject, waitFor } from './helpers.js'

// Time to Live on the embedded DynamoDB, through the SDK v3: a table declared with
// TimeToLiveSpecification reports it, items whose TTL (a Number of epoch seconds) has
// passed are deleted by the sweep, other types and far-past values are left as AWS leaves
// them; UpdateTimeToLive / DescribeTimeToLive answer as DynamoDB does.

const dirs: string[] = []
const clients: DynamoDBClient[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  for (const c of clients.splice(0)) c.destroy()
})

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-ttl-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'handler.mjs'), 'export const connect = async () => ({ statusCode: 200 })\n')
  writeFileSync(
    join(dir, 'serverless.yml'),
    `service: ttl
provider:
  name: aws
  runtime: nodejs20.x
functions:
  connect:
    handler: handler.connect
    events:
      - websocket: $connect
resources:
  Resources:
    Sessions:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: sessions
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - { AttributeName: pk, AttributeType: S }
          - { AttributeName: sk, AttributeType: S }
        KeySchema:
          - { AttributeName: pk, KeyType: HASH }
          - { AttributeName: sk, KeyType: RANGE }
        TimeToLiveSpecification:
          AttributeName: expiresAt
          Enabled: true
`,
  )
  return join(dir, 'serverless.yml')
}

function client(endpoint: string): DynamoDBClient {
  const c = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
  clients.push(c)
  return c
}

const now = () => Math.floor(Date.now() / 1000)
const ids = async (db: DynamoDBClient, table: string) =>
  ((await db.send(new ScanCommand({ TableName: table }))).Items ?? []).map((i) => i.sk!.S).sort()

describe('TTL on the embedded DynamoDB', () => {
  it('deletes items whose Number TTL has passed; leaves future, non-Number, absent and over-five-years-old ones', async () => {
    const dev = await startProject({
      project: { kind: 'serverless', file: project() },
      dynamodb: { port: 0, ttlSweepMs: 100 },
    })
    const db = client(dev.dynamodb!.endpoint)
    expect(await db.send(new DescribeTimeToLiveCommand({ TableName: 'sessions' }))).toMatchObject({
      TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' },
    })
    const put = (sk: string, expiresAt?: Record<string, string>) =>
      db.send(
        new PutItemCommand({
          TableName: 'sessions',
          Item: expiresAt
            ? { pk: { S: 'p' }, sk: { S: sk }, expiresAt: expiresAt as never }
            : { pk: { S: 'p' }, sk: { S: sk } },
        }),
      )
    await put('future', { N: String(now() + 3600) })
    await put('string', { S: String(now() - 60) })
    await put('none')
    await put('ancient', { N: String(now() - 6 * 365 * 24 * 3600) })
    await put('milliseconds', { N: String(Date.now()) }) // far in the future read as seconds
    await put('expired', { N: String(now() - 60) })
    await put('expiring', { N: String(now() + 1) })
    await waitFor('the expired items gone', async () => {
      const left = await ids(db, 'sessions')
      return !left.includes('expired') && !left.includes('expiring') ? left : undefined
    })
    // A few more sweeps leave the rest alone.
    await new Promise((r) => setTimeout(r, 400))
    expect(await ids(db, 'sessions')).toEqual(['ancient', 'future', 'milliseconds', 'none', 'string'])
  })

  it('UpdateTimeToLive enables and disables TTL as DynamoDB answers it; the sweep follows', async () => {
    const dev = await startProject({
      project: { kind: 'serverless', file: project() },
      dynamodb: { port: 0, ttlSweepMs: 100 },
    })
    const db = client(dev.dynamodb!.endpoint)
    await db.send(
      new CreateTableCommand({
        TableName: 'later',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    )
    expect(await db.send(new DescribeTimeToLiveCommand({ TableName: 'later' }))).toMatchObject({
      TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' },
    })
    await db.send(
      new PutItemCommand({
        TableName: 'later',
        Item: { pk: { S: 'p' }, sk: { S: 'old' }, ttl: { N: String(now() - 10) } },
      }),
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(await ids(db, 'later')).toEqual(['old']) // TTL off: kept

    const on = await db.send(
      new UpdateTimeToLiveCommand({
        TableName: 'later',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
      }),
    )
    expect(on.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'ttl' })
    expect(await db.send(new DescribeTimeToLiveCommand({ TableName: 'later' }))).toMatchObject({
      TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' },
    })
    await waitFor('the item gone', async () => ((await ids(db, 'later')).length === 0 ? true : undefined))

    const again = db.send(
      new UpdateTimeToLiveCommand({
        TableName: 'later',
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
      }),
    )
    await expect(again).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'TimeToLive is already enabled',
    })
    const other = db.send(
      new UpdateTimeToLiveCommand({
        TableName: 'later',
        TimeToLiveSpecification: { Enabled: false, AttributeName: 'other' },
      }),
    )
    await expect(other).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'TimeToLive is active on a different AttributeName: current AttributeName is ttl',
    })
    await db.send(
      new UpdateTimeToLiveCommand({
        TableName: 'later',
        TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' },
      }),
    )
    expect(await db.send(new DescribeTimeToLiveCommand({ TableName: 'later' }))).toMatchObject({
      TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' },
    })
    await expect(
      db.send(
        new UpdateTimeToLiveCommand({
          TableName: 'later',
          TimeToLiveSpecification: { Enabled: false, AttributeName: 'ttl' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'TimeToLive is already disabled' })
    await expect(db.send(new DescribeTimeToLiveCommand({ TableName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    })
    await expect(
      db.send(
        new UpdateTimeToLiveCommand({
          TableName: 'nope',
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
    // Other operations still reach dynalite.
    expect(await ids(db, 'sessions')).toEqual([])
  })

  it('ttlSweepMs 0 never deletes (TTL is still reported)', async () => {
    const dev = await startProject({
      project: { kind: 'serverless', file: project() },
      dynamodb: { port: 0, ttlSweepMs: 0 },
    })
    const db = client(dev.dynamodb!.endpoint)
    await db.send(
      new PutItemCommand({
        TableName: 'sessions',
        Item: { pk: { S: 'p' }, sk: { S: 'expired' }, expiresAt: { N: String(now() - 60) } },
      }),
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(await ids(db, 'sessions')).toEqual(['expired'])
    expect(await db.send(new DescribeTimeToLiveCommand({ TableName: 'sessions' }))).toMatchObject({
      TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED' },
    })
  })
})
