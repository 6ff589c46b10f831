import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startDev } from '../../../src/dev/index.js'
import { ProjectFileError } from '../../../src/dev/project/errors.js'

// A project file that cannot be served: one clear error naming the file and the line,
// and nothing left running (no gateway, no DynamoDB).

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-project-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

const HANDLER = 'export const handler = async () => ({ statusCode: 200 })\n'

const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length

async function failure(file: string, kind: 'serverless' | 'sam'): Promise<ProjectFileError> {
  const before = servers()
  const error = await startDev({
    project: { kind, file },
    port: 0,
    dynamodb: { port: 0 },
    watch: false,
    logger: false,
  }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ProjectFileError)
  // Nothing half-started: no listening server is left behind.
  await new Promise((r) => setTimeout(r, 50))
  expect(servers()).toBe(before)
  return error as ProjectFileError
}

describe('bad project files', () => {
  it('malformed YAML: the parser error at its line', async () => {
    const dir = project({
      'serverless.yml': 'service: x\nprovider:\n  name: aws\n  environment: [a, b\nfunctions: {}\n',
    })
    const e = await failure(join(dir, 'serverless.yml'), 'serverless')
    expect(e.message).toMatch(/serverless\.yml:\d+: not valid YAML/)
    expect(e.line).toBeGreaterThanOrEqual(4)
  })

  it('an unknown short-form intrinsic, and an unknown long-form one', async () => {
    const dir = project({
      'template.yaml': [
        'Resources:',
        '  Fn:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      CodeUri: .',
        '      Handler: app.handler',
        '      Runtime: nodejs20.x',
        '      Environment:',
        '        Variables:',
        '          X: !Frobnicate thing',
        '',
      ].join('\n'),
      'app.mjs': HANDLER,
    })
    const e = await failure(join(dir, 'template.yaml'), 'sam')
    expect(e.line).toBe(10)
    expect(e.message).toContain('template.yaml:10: unknown intrinsic function !Frobnicate')

    const long = project({
      'template.yaml': [
        'Resources:',
        '  Fn:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      CodeUri: .',
        '      Handler: app.handler',
        '      Runtime: nodejs20.x',
        '      Environment:',
        '        Variables:',
        '          X:',
        '            Fn::Frobnicate: [a, b]',
        '',
      ].join('\n'),
      'app.mjs': HANDLER,
    })
    const e2 = await failure(join(long, 'template.yaml'), 'sam')
    expect(e2.message).toMatch(/template\.yaml:11: unknown intrinsic function Fn::Frobnicate/)
  })

  it('a handler path that does not exist: the handler line', async () => {
    const dir = project({
      'serverless.yml': [
        'service: chat',
        'provider:',
        '  name: aws',
        '  runtime: nodejs20.x',
        'functions:',
        '  connect:',
        '    handler: src/missing.handler',
        '    events:',
        '      - websocket: $connect',
        '',
      ].join('\n'),
    })
    const e = await failure(join(dir, 'serverless.yml'), 'serverless')
    expect(e.line).toBe(7)
    expect(e.message).toContain('serverless.yml:7: handler src/missing.handler: no such file')
  })

  it("a table DynamoDB rejects: DynamoDB's reason at the table's line, and no DynamoDB left running", async () => {
    const dir = project({
      'serverless.yml': [
        'service: chat',
        'provider:',
        '  name: aws',
        'functions:',
        '  connect:',
        '    handler: app.handler',
        '    events:',
        '      - websocket: $connect',
        'resources:',
        '  Resources:',
        '    Connections:',
        '      Type: AWS::DynamoDB::Table',
        '      Properties:',
        '        TableName: connections',
        '        BillingMode: PAY_PER_REQUEST',
        '        AttributeDefinitions:',
        '          - { AttributeName: connectionId, AttributeType: S }',
        '        KeySchema:',
        '          - { AttributeName: roomId, KeyType: HASH }',
        '',
      ].join('\n'),
      'app.mjs': HANDLER,
    })
    const e = await failure(join(dir, 'serverless.yml'), 'serverless')
    expect(e.line).toBe(11)
    expect(e.message).toMatch(/serverless\.yml:11: table Connections: DynamoDB rejects it: .+/)
  })

  it('a table with a shape error is named before anything starts', async () => {
    const dir = project({
      'template.yaml': [
        'Resources:',
        '  Fn:',
        '    Type: AWS::Lambda::Function',
        '    Properties: { Code: ., Handler: app.handler, Runtime: nodejs20.x }',
        '  T:',
        '    Type: AWS::DynamoDB::Table',
        '    Properties:',
        '      KeySchema: [{ AttributeName: id, KeyType: PRIMARY }]',
        '      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]',
        '      BillingMode: PAY_PER_REQUEST',
        '',
      ].join('\n'),
      'app.mjs': HANDLER,
    })
    const e = await failure(join(dir, 'template.yaml'), 'sam')
    expect(e.message).toContain(
      'template.yaml:5: table T: each KeySchema entry needs an AttributeName and a KeyType of HASH or RANGE',
    )
  })

  it('the CLI prints the one error and exits 1', () => {
    const dir = project({
      'serverless.yml':
        'service: x\nfunctions:\n  f:\n    handler: nowhere.handler\n    events:\n      - websocket: $connect\n',
    })
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(process.cwd(), 'src/dev/cli.ts'),
        'dev',
        '--port',
        '0',
        '--dynamodb-port',
        '0',
      ],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' }, timeout: 30_000 },
    )
    expect(r.status).toBe(1)
    expect(r.stderr.trim()).toBe(
      'socketeer: serverless.yml:4: handler nowhere.handler: no such file (looked for nowhere.{ts,js,mjs,cjs} in .)',
    )
    expect(r.stdout).toBe('')
  })
})
