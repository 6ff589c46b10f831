// biome-ignore-all lint/suspicious/noTemplateCurlyInString: serverless.yml variables are what these tests read
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readProject } from '../../../src/dev/project/detect.js'
import type { EntrySpec } from '../../../src/dev/runtime/types.js'

// The readers alone: a project file in, the gateway's configuration out.

const SEED = join(import.meta.dirname, 'fixtures/seed-003')
const SEED_SAM = join(import.meta.dirname, 'fixtures/seed-003-sam/template.yaml')

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-readers-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

describe('serverless.yml', () => {
  it("reads seed 003's file: stage, routes from dist/ handlers to their TypeScript sources, env, table, port", async () => {
    const { options, summary } = await readProject({ kind: 'serverless', file: join(SEED, 'serverless.yml') })
    expect(options.stage).toBe('development')
    expect(options.port).toBe(3001)
    const connect = options.routes?.$connect
    expect(connect).toMatchObject({
      file: join(SEED, 'src/handlers/connect.ts'),
      exportName: 'handler',
      runtime: 'node',
      functionName: 'comments-websocket-api-development-connectHandler',
      timeoutMs: 6000,
    })
    expect(options.env).toEqual({
      WEBSOCKET_API_ENDPOINT: 'ws://localhost:3001',
      DYNAMODB_CONNECTIONS_TABLE: 'comments-websocket-api-development-connections',
      CORS_ORIGIN: 'http://localhost:3000',
      IS_OFFLINE: 'true',
      AWS_REGION: 'ap-northeast-1',
      AWS_DEFAULT_REGION: 'ap-northeast-1',
    })
    expect(options.httpRoutes?.map((r) => [r.method, r.path, r.events, r.entry.exportName])).toEqual([
      ['POST', '/broadcast/comments', 'rest', 'broadcastToAll'],
    ])
    expect(options.tables?.[0]).toMatchObject({
      logicalId: 'ConnectionsTable',
      ttlAttribute: 'ttl',
      where: { line: 80 },
      input: { TableName: 'comments-websocket-api-development-connections', BillingMode: 'PAY_PER_REQUEST' },
    })
    expect(summary.notes).toEqual([])
  })

  it('--stage wins over provider.stage, through every variable that uses it', async () => {
    const { options } = await readProject({
      kind: 'serverless',
      file: join(SEED, 'serverless.yml'),
      stage: 'staging',
    })
    expect(options.stage).toBe('staging')
    expect(options.env?.WEBSOCKET_API_ENDPOINT).toBe(
      'wss://comments-websocket-api-staging.execute-api.ap-northeast-1.amazonaws.com/staging',
    )
    expect(options.tables?.[0]?.input.TableName).toBe('comments-websocket-api-staging-connections')
  })

  it('variables: env with defaults, sls/aws sources, file() of JSON and YAML; unresolved ones are one warning each', async () => {
    const dir = project({
      'serverless.yml': [
        'service: vars',
        'provider:',
        '  name: aws',
        '  region: eu-west-1',
        '  environment:',
        "    FROM_ENV: ${env:SOCKETEER_TEST_SET, 'unset'}",
        "    DEFAULTED: ${env:SOCKETEER_TEST_UNSET, 'fallback'}",
        '    STAGE: ${sls:stage}',
        '    REGION: ${aws:region}',
        '    FROM_JSON: ${file(./config.json):db.name}',
        '    FROM_YAML: ${file(./config.yml):answer}',
        '    SECRET: ${ssm:/app/secret}',
        '    NOTHING: ${env:SOCKETEER_TEST_UNSET}',
        '    NUMBER: ${self:custom.limit}',
        'custom:',
        '  limit: 42',
        'functions:',
        '  f:',
        '    handler: app.handler',
        '    environment:',
        '      OWN: ${self:service}-${sls:stage}',
        '    events:',
        '      - websocket: $default',
        '      - httpApi: GET /items/{id}',
        '      - httpApi: "*"',
        '      - http: { path: "/posts", method: any }',
        '      - sqs: arn:aws:sqs:eu-west-1:1:q',
        '',
      ].join('\n'),
      'config.json': '{ "db": { "name": "main" } }',
      'config.yml': 'answer: 42\n',
      'app.mjs': 'export const handler = async () => ({ statusCode: 200 })\n',
    })
    const { options, summary } = await readProject({
      kind: 'serverless',
      file: join(dir, 'serverless.yml'),
      env: { SOCKETEER_TEST_SET: 'set' },
    })
    expect(options.stage).toBe('dev')
    expect(options.env).toMatchObject({
      FROM_ENV: 'set',
      DEFAULTED: 'fallback',
      STAGE: 'dev',
      REGION: 'eu-west-1',
      FROM_JSON: 'main',
      FROM_YAML: '42',
      SECRET: '${ssm:/app/secret}',
      NOTHING: '${env:SOCKETEER_TEST_UNSET}',
      NUMBER: '42',
    })
    expect((options.routes!.$default as EntrySpec).env).toEqual({ OWN: 'vars-dev' })
    expect(options.httpRoutes?.map((r) => `${r.method} ${r.path} ${r.events}`)).toEqual([
      'GET /items/{id} v2',
      'ANY /{proxy+} v2',
      'ANY /posts rest',
    ])
    expect(summary.notes.map((n) => `${n.where.line}: ${n.message}`)).toEqual([
      '12: ${ssm:/app/secret}: the ssm source is not resolved locally: left as written',
      '13: ${env:SOCKETEER_TEST_UNSET} has no value here (no default given): left as written',
      '27: function f: sqs events are not served locally',
    ])
  })

  it('memorySize: the function’s, else the provider’s, else the framework’s 1024', async () => {
    const yml = (provider: string) =>
      [
        'service: mem',
        'provider:',
        '  name: aws',
        provider,
        'functions:',
        '  small:',
        '    handler: app.handler',
        '    memorySize: 256',
        '    events: [{ websocket: $connect }]',
        '  plain:',
        '    handler: app.handler',
        '    events: [{ websocket: $default }]',
        '',
      ].join('\n')
    const memory = async (provider: string) => {
      const dir = project({
        'serverless.yml': yml(provider),
        'app.mjs': 'export const handler = async () => ({})\n',
      })
      const { options } = await readProject({ kind: 'serverless', file: join(dir, 'serverless.yml') })
      return [options.routes?.$connect, options.routes?.$default].map((e) => (e as EntrySpec).memoryMb)
    }
    expect(await memory('  memorySize: ${self:custom.mem, 512}')).toEqual([256, 512])
    expect(await memory('  runtime: nodejs20.x')).toEqual([256, 1024])
  })

  it('${file()} includes: ${self:} inside them reads serverless.yml, and every included file is watched', async () => {
    const dir = project({
      'serverless.yml': [
        'service: included',
        'provider:',
        '  name: aws',
        '  region: eu-central-1',
        '  environment: ${file(./env.yml)}',
        'custom: ${file(./config/${sls:stage}.yml)}',
        'functions:',
        '  f:',
        '    handler: app.handler',
        '    environment:',
        '      TABLE: ${self:custom.table}',
        '      OPTIONAL: ${file(./local.yml):x, "none"}',
        '    events:',
        '      - websocket: $default',
        '',
      ].join('\n'),
      'env.yml': [
        'SERVICE: ${self:service}',
        'STAGE_TABLE: ${self:service}-${sls:stage}-items',
        'REGION: ${self:provider.region}',
        'FROM_NESTED: ${file(./nested.json):value}',
        '',
      ].join('\n'),
      'nested.json': '{ "value": "${self:custom.table}" }',
      'config/dev.yml': 'table: ${self:service}-connections\n',
      'app.mjs': 'export const handler = async () => ({ statusCode: 200 })\n',
    })
    const { options, summary, files } = await readProject({
      kind: 'serverless',
      file: join(dir, 'serverless.yml'),
    })
    expect(options.env).toMatchObject({
      SERVICE: 'included',
      STAGE_TABLE: 'included-dev-items',
      REGION: 'eu-central-1',
      FROM_NESTED: 'included-connections',
    })
    expect((options.routes!.$default as EntrySpec).env).toEqual({
      TABLE: 'included-connections',
      OPTIONAL: 'none',
    })
    expect(summary.notes).toEqual([])
    // local.yml does not exist yet: watched, so creating it reloads.
    expect([...files].sort()).toEqual(
      ['serverless.yml', 'env.yml', 'nested.json', 'config/dev.yml', 'local.yml']
        .map((f) => join(dir, f))
        .sort(),
    )
  })

  it('a file that includes itself is one error at its line', async () => {
    const dir = project({
      'serverless.yml': [
        'service: loop',
        'provider:',
        '  name: aws',
        '  environment:',
        '    X: ${self:custom.x}',
        'custom: ${file(./a.yml)}',
        'functions:',
        '  f:',
        '    handler: app.handler',
        '    events:',
        '      - websocket: $default',
        '',
      ].join('\n'),
      'a.yml': 'x: 1\nagain: ${file(./a.yml)}\n',
    })
    await expect(readProject({ kind: 'serverless', file: join(dir, 'serverless.yml') })).rejects.toThrow(
      /a\.yml:2: \$\{file\(\.\/a\.yml\)\} includes itself/,
    )
  })

  it('an authorizer with its identity sources, route responses, the route selection expression', async () => {
    const dir = project({
      'serverless.yml': [
        'service: auth',
        'provider:',
        '  name: aws',
        '  websocketsApiRouteSelectionExpression: $request.body.type',
        'functions:',
        '  auth:',
        '    handler: app.auth',
        '  connect:',
        '    handler: app.connect',
        '    events:',
        '      - websocket:',
        '          route: $connect',
        '          authorizer:',
        '            name: auth',
        '            identitySource: [route.request.header.Auth, route.request.querystring.token]',
        '  echo:',
        '    handler: app.echo',
        '    runtime: python3.12',
        '    events:',
        '      - websocket: { route: echo, routeResponseSelectionExpression: $default }',
        '  ping:',
        '    handler: app.ping',
        '    events:',
        '      - websocket: { route: ping, routeResponseSelectionExpression: $default }',
        '',
      ].join('\n'),
      'app.mjs': 'export const auth = () => {}; export const connect = auth; export const ping = auth\n',
      'app.py': 'def echo(event, context):\n    return {"statusCode": 200}\n',
    })
    const { options, summary } = await readProject({ kind: 'serverless', file: join(dir, 'serverless.yml') })
    expect(options.authorizer).toMatchObject({ exportName: 'auth' })
    expect(options.authorizerIdentitySource).toEqual([
      'route.request.header.Auth',
      'route.request.querystring.token',
    ])
    expect(options.routeSelectionExpression).toBe('$request.body.type')
    expect(options.routeResponses).toEqual(['echo', 'ping'])
    expect(Object.keys(options.routes ?? {})).toEqual(['$connect', 'echo', 'ping'])
    expect(options.routes?.echo).toMatchObject({ runtime: 'python', exportName: 'echo' })
    expect(summary.notes).toEqual([])
  })
})

describe('SAM template (seed 003)', () => {
  it('Parameters default, Globals, !Ref to tables, Api events; the FastAPI function, whose code folder is not in the project, is skipped at its line', async () => {
    const { options, summary } = await readProject({ kind: 'sam', file: SEED_SAM })
    expect(summary.kind).toBe('sam')
    expect(options.stage).toBe('production')
    expect(summary.routes).toEqual([
      { key: '$connect', functionName: 'WebSocketConnectFunction' },
      { key: '$disconnect', functionName: 'WebSocketDisconnectFunction' },
    ])
    expect(options.routes?.$connect).toMatchObject({
      file: join(dirname(SEED_SAM), 'websocket-handlers/connect.ts'),
      env: { APP_ENVIRONMENT: 'production', DYNAMODB_CONNECTIONS_TABLE: 'production-websocket-connections' },
      timeoutMs: 3000,
    })
    expect(summary.http).toEqual([
      { method: 'POST', path: '/broadcast/comments', functionName: 'BroadcastFunction', events: 'rest' },
    ])
    expect(options.tables?.map((t) => [t.input.TableName, t.ttlAttribute])).toEqual([
      ['production-posts', undefined],
      ['production-comments', undefined],
      ['production-websocket-connections', 'ttl'],
    ])
    expect(summary.notes.map((n) => `${n.where.line}: ${n.message}`)).toEqual([
      '177: function BroadcastFunction: event BroadcastAPI has Cors, which SAM reads on the Api resource or in Globals, not on an event; ignored',
      '188: function FastAPIFunction: its code folder backend/ does not exist here; skipped',
    ])
  })

  it('MemorySize: the function’s, else Globals’, else Lambda’s 128', async () => {
    const template = (globals: string) => `Transform: AWS::Serverless-2016-10-31
${globals}
Resources:
  Small:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: nodejs20.x
      MemorySize: 256
      Events:
        Get: { Type: HttpApi, Properties: { Path: /small, Method: get } }
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: nodejs20.x
      Events:
        Get: { Type: HttpApi, Properties: { Path: /plain, Method: get } }
`
    const memory = async (globals: string) => {
      const dir = project({
        'template.yaml': template(globals),
        'app.mjs': 'export const handler = async () => ({})\n',
      })
      const { options } = await readProject({ kind: 'sam', file: join(dir, 'template.yaml') })
      return options.httpRoutes?.map((r) => [r.path, r.entry.memoryMb])
    }
    expect(await memory('Globals:\n  Function:\n    MemorySize: 512')).toEqual([
      ['/small', 256],
      ['/plain', 512],
    ])
    expect(await memory('')).toEqual([
      ['/small', 256],
      ['/plain', 128],
    ])
  })

  it('--parameter-overrides changes every name built from the parameter; an unknown or disallowed one is an error', async () => {
    const { options } = await readProject({
      kind: 'sam',
      file: SEED_SAM,
      parameterOverrides: { Environment: 'staging' },
    })
    expect(options.stage).toBe('staging')
    expect(options.tables?.map((t) => t.input.TableName)).toContain('staging-websocket-connections')
    await expect(
      readProject({ kind: 'sam', file: SEED_SAM, parameterOverrides: { Environment: 'qa' } }),
    ).rejects.toThrow(
      /template\.yaml:5: parameter Environment=qa is not one of development, staging, production/,
    )
    await expect(
      readProject({ kind: 'sam', file: SEED_SAM, parameterOverrides: { Nope: 'x' } }),
    ).rejects.toThrow(/--parameter-overrides Nope: the template declares no such parameter/)
  })
})
