import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { CHAT_ENTRY } from '../../examples/chat/cdk/lib/chat-stack.js'
import { CONNECTIONS_TABLE_ENV, MANAGEMENT_ENDPOINT_ENV } from '../../src/cdk/index.js'
import { cfnLint, environmentOf, flatten, logicalId, SYNTH_TIMEOUT } from './helpers.js'

// The chat example's CDK app, synthesized the way `cdk synth` runs it: cdk.json's `app`
// command in examples/chat/cdk with CDK_OUTDIR set, no AWS credentials in the
// environment and no Docker, bundling the handler with the local esbuild.

const CDK_DIR = fileURLToPath(new URL('../../examples/chat/cdk/', import.meta.url))
const STACK = 'SocketeerChat'

let outdir: string
let template: Template
let synthLog: string

function withoutAwsCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_DEFAULT_)/.test(k)) env[k] = v
  }
  // Nothing may reach for instance metadata either.
  env.AWS_EC2_METADATA_DISABLED = 'true'
  return env
}

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'socketeer-chat-cdk-'))
  const { app } = JSON.parse(readFileSync(join(CDK_DIR, 'cdk.json'), 'utf8')) as { app: string }
  const run = spawnSync(app, {
    cwd: CDK_DIR,
    shell: true,
    encoding: 'utf8',
    env: { ...withoutAwsCredentials(), CDK_OUTDIR: outdir },
    timeout: SYNTH_TIMEOUT,
  })
  synthLog = `${run.stdout}${run.stderr}`
  if (run.status !== 0) throw new Error(`the example's cdk app failed (${run.status}):\n${synthLog}`)
  template = Template.fromJSON(JSON.parse(readFileSync(join(outdir, `${STACK}.template.json`), 'utf8')))
}, SYNTH_TIMEOUT)

describe('examples/chat/cdk', () => {
  it('points at the chat Lambda entry, which exists and exports a handler', () => {
    expect(existsSync(CHAT_ENTRY)).toBe(true)
    expect(readFileSync(CHAT_ENTRY, 'utf8')).toMatch(/export\s+(const|function|\{[^}]*)\s*handler\b/)
  })

  it('bundles locally with esbuild (no Docker) into one Node 22 ESM function', () => {
    expect(synthLog).not.toMatch(/docker/i)
    template.resourceCountIs('AWS::Lambda::Function', 1)
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 29,
    })
  })

  it('leaves the AWS SDK to the Lambda runtime and ships a bundle that loads', () => {
    const assets = readdirSync(outdir)
      .map((d) => join(outdir, d))
      .filter((d) => statSync(d).isDirectory() && existsSync(join(d, 'index.mjs')))
    expect(assets).toHaveLength(1)
    const bundle = join(assets[0]!, 'index.mjs')
    const code = readFileSync(bundle, 'utf8')
    // Kept as an import specifier (external), not inlined.
    expect(code).toContain('"@aws-sdk/client-apigatewaymanagementapi"')
    expect(code).not.toMatch(/@smithy\/|class \w*ApiGatewayManagementApiClient/)
    const load = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'const m = await import(process.argv[1]); process.stdout.write(typeof m.handler)',
        new URL(`file://${bundle}`).href,
      ],
      { encoding: 'utf8', env: withoutAwsCredentials() },
    )
    expect(load.stderr).toBe('')
    expect(load.stdout).toBe('function')
  })

  it('routes every key to the function, with whoami answering through a route response', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      ['$connect', '$default', '$disconnect', 'say', 'sendmessage', 'socketeer.keepalive', 'whoami'].sort(),
    )
    // socketeer/client's keepalive costs no invocation: a MOCK integration.
    const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'))
    expect(integrations.map((i) => i.Properties.IntegrationType).sort()).toEqual(['AWS_PROXY', 'MOCK'])
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'whoami',
      RouteResponseSelectionExpression: '$default',
    })
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 1)
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'prod', AutoDeploy: true })
  })

  it('is environment-agnostic and wires the handler: stage-scoped @connections, table, variables', () => {
    const fn = logicalId(template, 'AWS::Lambda::Function', () => true)
    const api = logicalId(template, 'AWS::ApiGatewayV2::Api', () => true)
    const table = logicalId(template, 'AWS::DynamoDB::Table', () => true)
    expect(environmentOf(template, fn)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      [MANAGEMENT_ENDPOINT_ENV]: `https://\${${api}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/prod`,
      [CONNECTIONS_TABLE_ENV]: `\${${table}}`,
    })
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    )
    const manage = statements.filter((s: any) => s.Action === 'execute-api:ManageConnections')
    expect(manage.map((s: any) => flatten(s.Resource))).toEqual([
      `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${${api}}/prod/*/@connections/*`,
    ])
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' })
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    })
  })

  it('outputs the wss:// URL and the management endpoint', () => {
    const outputs = Object.values(template.toJSON().Outputs as Record<string, { Value: unknown }>).map((o) =>
      flatten(o.Value),
    )
    expect(outputs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^wss:\/\/\$\{\w+\}\.execute-api\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}\/prod$/,
        ),
        expect.stringMatching(
          /^https:\/\/\$\{\w+\}\.execute-api\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}\/prod$/,
        ),
      ]),
    )
    template.hasOutput('*', { Value: Match.anyValue(), Description: Match.stringLikeRegexp('WebSocket URL') })
  })

  it(
    'passes cfn-lint',
    (ctx) => {
      const result = cfnLint({ chat: template.toJSON() })
      if (!result.available) {
        console.warn(`SKIPPED cfn-lint on the chat example's template: ${result.reason}`)
        ctx.skip()
      }
      expect(result.output).toBe('')
      expect(result.exitCode).toBe(0)
    },
    SYNTH_TIMEOUT,
  )
})
