// biome-ignore-all lint/suspicious/noTemplateCurlyInString: serverless.yml variables are what these tests read
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCli, UsageError } from '../../../src/dev/cli-args.js'
import { findProjectFile } from '../../../src/dev/project/find.js'

// The CLI's project flags, and `--print-config` run in a project's folder (auto-detection).

const SEED = join(import.meta.dirname, 'fixtures/seed-003')
const SEED_SAM = join(import.meta.dirname, 'fixtures/seed-003-sam')
const CLI = join(process.cwd(), 'src/dev/cli.ts')

function cli(args: string[], cwd: string) {
  return spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), CLI, 'dev', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 30_000,
  })
}

describe('socketeer dev in a project folder', () => {
  it('finds serverless.yml with no entry and prints the resolved configuration', () => {
    const r = cli(['--print-config'], SEED)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const config = JSON.parse(r.stdout)
    expect(config.project).toEqual({ file: 'serverless.yml', kind: 'serverless' })
    expect(config.stage).toBe('development')
    expect(config.port).toBe(3001)
    expect(config.routes.$connect).toMatchObject({ file: 'src/handlers/connect.ts', exportName: 'handler' })
    expect(config.tables[0]).toMatchObject({
      TableName: 'comments-websocket-api-development-connections',
      ttlAttribute: 'ttl',
      where: 'serverless.yml:80',
    })
    expect(config.env.WEBSOCKET_API_ENDPOINT).toBe('http://localhost:3001')
    expect(config.notes).toEqual([
      expect.stringContaining(
        'WEBSOCKET_API_ENDPOINT=ws://localhost:3001 is handed to handlers as http://localhost:3001',
      ),
    ])
  })

  it('--stage and --port reach the variables and the endpoint rewrite', () => {
    const r = cli(['--print-config', '--stage', 'staging', '--port', '4000'], SEED)
    const config = JSON.parse(r.stdout)
    expect(config.stage).toBe('staging')
    expect(config.port).toBe(4000)
    expect(config.env.WEBSOCKET_API_ENDPOINT).toMatch(/^wss:\/\/comments-websocket-api-staging\.execute-api/)
  })

  it('finds template.yaml and takes --parameter-overrides', () => {
    const r = cli(['--print-config', '--parameter-overrides', 'Environment=staging'], SEED_SAM)
    expect(r.status).toBe(0)
    const config = JSON.parse(r.stdout)
    expect(config.project.kind).toBe('sam')
    expect(config.stage).toBe('staging')
    expect(config.tables.map((t: { TableName: string }) => t.TableName)).toEqual([
      'staging-posts',
      'staging-comments',
      'staging-websocket-connections',
    ])
  })
})

describe('serverless.ts, serverless.js and serverless.json', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  // One configuration, written as each kind of file (the TypeScript one as the
  // Framework's template writes it), with its own stage so the output shows which was read.
  const config = (stage: string) => ({
    service: `detect-${stage}`,
    provider: { name: 'aws', stage, environment: { TABLE: `\${self:service}-\${sls:stage}` } },
    custom: { 'serverless-offline': { httpPort: 3000, websocketPort: 3001 } },
    functions: {
      connect: { handler: 'app.connect', events: [{ websocket: { route: '$connect' } }] },
      hello: { handler: 'app.hello', events: [{ httpApi: 'GET /hello' }] },
    },
  })
  const FILES: Record<string, (stage: string) => string> = {
    'serverless.ts': (stage) =>
      [
        'type Serverless = { service: string; functions: Record<string, unknown> } & Record<string, unknown>',
        `const serverlessConfiguration: Serverless = ${JSON.stringify(config(stage), null, 2)}`,
        'module.exports = serverlessConfiguration',
        '',
      ].join('\n'),
    'serverless.js': (stage) => `module.exports = ${JSON.stringify(config(stage), null, 2)}\n`,
    'serverless.json': (stage) => JSON.stringify(config(stage), null, 2),
  }

  for (const [name, write] of Object.entries(FILES)) {
    it(`finds ${name} with no entry and reads it: --print-config shows its routes, variables and httpPort`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'socketeer-detect-'))
      dirs.push(dir)
      const stage = name.split('.')[1]!
      writeFileSync(join(dir, name), write(stage))
      writeFileSync(
        join(dir, 'app.mjs'),
        'export const connect = async () => ({ statusCode: 200 })\nexport const hello = connect\n',
      )
      expect(findProjectFile(dir)).toEqual({ file: join(dir, name), kind: 'serverless' })
      const r = cli(['--print-config'], dir)
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      const printed = JSON.parse(r.stdout)
      expect(printed.project).toEqual({ file: name, kind: 'serverless' })
      expect(printed.stage).toBe(stage)
      expect([printed.port, printed.httpPort]).toEqual([3001, 3000])
      expect(printed.env.TABLE).toBe(`detect-${stage}-${stage}`)
      expect(Object.keys(printed.routes)).toEqual(['$connect'])
      expect(
        printed.httpRoutes.map((h: { method: string; path: string }) => `${h.method} ${h.path}`),
      ).toEqual(['GET /hello'])
    })
  }
})

describe('project flags', () => {
  it('parses the project and DynamoDB flags', () => {
    const { options, printConfig } = parseCli([
      'dev',
      '--template',
      'infra/template.yaml',
      '--parameter-overrides',
      'Env=prod Region=eu-west-1',
      '--parameter-overrides',
      'ParameterKey=Size,ParameterValue=2',
      '--dynamodb-dir',
      '.dynamodb',
      '--dynamodb-port',
      '0',
      '--print-config',
    ])
    expect(printConfig).toBe(true)
    expect(options.project).toEqual({ kind: 'sam', file: join(process.cwd(), 'infra/template.yaml') })
    expect(options.parameterOverrides).toEqual({ Env: 'prod', Region: 'eu-west-1', Size: '2' })
    expect(options.dynamodb).toEqual({ dir: join(process.cwd(), '.dynamodb'), port: 0 })
    expect(parseCli(['dev', '--no-dynamodb']).options.dynamodb).toBe(false)
    expect(parseCli(['dev', '--dynamodb', 'http://localhost:8000']).options.dynamodb).toEqual({
      url: 'http://localhost:8000',
    })
  })

  it('refuses contradictions with a usage error', () => {
    for (const args of [
      ['--serverless', 'a.yml', '--template', 'b.yaml'],
      ['--no-dynamodb', '--dynamodb', 'http://localhost:8000'],
      ['--dynamodb', 'localhost:8000'],
      ['--dynamodb', 'http://x:1', '--dynamodb-dir', 'd'],
      ['--serverless', 'a.yml', '--parameter-overrides', 'A=1'],
      ['--parameter-overrides', 'novalue'],
      ['--dynamodb-port', '70000'],
    ])
      expect(() => parseCli(['dev', ...args]), args.join(' ')).toThrow(UsageError)
  })
})
