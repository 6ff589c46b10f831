import { join } from 'node:path'
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { connect, scan, startProject, waitFor } from './helpers.js'

// A SAM template with a $connect authorizer (identity source, REQUEST type), routes wired
// through Integrations by !Sub, !Join and Fn::GetAtt, Globals, Parameters, Conditions and
// Mappings, a table with a GSI and TTL, and a Python function.

const TEMPLATE = join(import.meta.dirname, 'fixtures/sam-authorizer/template.yaml')

console.log(
  "SKIPPED: the SAM template's Python function (ReportFunction) is listed as skipped: Python handlers are not run by this version of socketeer dev yet",
)

describe('a SAM template with an authorizer', () => {
  it('serves the routes behind the authorizer, with the table and the environment the template names', async () => {
    const lines: string[] = []
    const dev = await startProject({ project: { kind: 'sam', file: TEMPLATE } }, lines)
    expect(dev.gateway.url).toMatch(/\/local$/) // the Stage resource's name (a Condition's !If)
    expect(dev.project?.routes).toEqual([
      { key: '$connect', functionName: 'ConnectFunction' },
      { key: 'whoami', functionName: 'WhoFunction' },
    ])
    expect(dev.project?.notes.map((n) => n.message)).toEqual([
      expect.stringContaining('function ReportFunction: runtime python3.12: Python handlers are not run'),
    ])
    expect(dev.project?.notes[0]?.where.line).toBe(124)

    // The identity source is missing: 401 without calling the authorizer.
    const bare = await connect(dev.gateway.url)
    expect(bare.status).toBe(401)
    expect(lines.join('\n')).toContain('identity source route.request.querystring.token is missing')
    expect(lines.join('\n')).not.toMatch(/AUTHORIZE/)
    // The authorizer refuses a bad token, and lets a good one in.
    expect((await connect(`${dev.gateway.url}?token=bad`)).status).toBe(401)
    const ok = await connect(`${dev.gateway.url}?token=good`)
    expect(ok.ws).toBeDefined()

    // The connect function wrote through the SDK v3, found by AWS_ENDPOINT_URL_DYNAMODB.
    const items = await waitFor('the record', async () => {
      const all = await scan(dev.dynamodb!.endpoint, 'local-connections')
      return all.length > 0 ? all : undefined
    })
    expect(items[0]).toMatchObject({ user: { S: 'alice' } })

    // The table has the template's index.
    const client = new DynamoDBClient({
      endpoint: dev.dynamodb!.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    })
    const table = await client.send(new DescribeTableCommand({ TableName: 'local-connections' }))
    client.destroy()
    expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byUser'])
    expect(dev.dynamodb?.tables).toEqual([
      { name: 'local-connections', status: 'created', ttlAttribute: 'expires' },
    ])

    // whoami has a route response; it sees the authorizer's context and the Globals environment.
    ok.ws!.send(JSON.stringify({ action: 'whoami' }))
    await waitFor('the route response', () => ok.frames.length > 0)
    expect(JSON.parse(ok.frames[0]!)).toEqual({
      user: 'alice',
      greeting: 'hello',
      table: 'local-connections',
      samLocal: 'true',
    })
  })

  it('takes --parameter-overrides: another stage, table name and mapping', async () => {
    const dev = await startProject({
      project: { kind: 'sam', file: TEMPLATE },
      parameterOverrides: { Env: 'prod' },
    })
    expect(dev.gateway.url).toMatch(/\/prod$/)
    expect(dev.dynamodb?.tables.map((t) => t.name)).toEqual(['prod-connections'])
    const ok = await connect(`${dev.gateway.url}?token=good`)
    ok.ws!.send(JSON.stringify({ action: 'whoami' }))
    await waitFor('the route response', () => ok.frames.length > 0)
    expect(JSON.parse(ok.frames[0]!)).toMatchObject({ greeting: 'welcome', table: 'prod-connections' })
  })
})
