import { App as CdkApp, Stack } from 'aws-cdk-lib'
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { App } from 'socketeer'
import { beforeAll, describe, expect, it } from 'vitest'
import { CONNECTIONS_TABLE_ENV, MANAGEMENT_ENDPOINT_ENV, WebSocketApi } from '../../src/cdk/index.js'
import { connectionsTable } from '../../src/connections/table.js'
import {
  actions,
  cfnLint,
  ENV,
  environmentOf,
  flatten,
  inlineFunction,
  logicalId,
  outputsByPrefix,
  resources,
  roleOf,
  SYNTH_TIMEOUT,
  statementsOfRole,
} from './helpers.js'

// One function for every route, the shape most socketeer apps have (the App routes by key).

let template: Template
let stack: Stack
let chat: WebSocketApi
let api: string
let fn: string
let backendFn: string
let importedPaths: string[]
const STAGE_ARN = (apiId: string) =>
  `arn:\${AWS::Partition}:execute-api:eu-west-1:123456789012:\${${apiId}}/prod/*/@connections/*`

beforeAll(() => {
  const app = new CdkApp()
  stack = new Stack(app, 'Single', { env: ENV })
  const handler = inlineFunction(stack, 'Handler')
  chat = new WebSocketApi(stack, 'Chat', {
    handler,
    routes: ['sendmessage', 'whoami'],
    routeResponses: ['whoami'],
  })
  // A REST backend that pushes, and a role that only needs to post.
  chat.addBackend(inlineFunction(stack, 'Backend'))
  chat.grantManageConnections(
    new iam.Role(stack, 'Pusher', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }),
  )
  // Functions deployed elsewhere: one with a role (grants work, environment cannot be
  // set) and one without (nothing can be wired).
  const withRole = lambda.Function.fromFunctionAttributes(stack, 'ImportedWithRole', {
    functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:elsewhere',
    role: iam.Role.fromRoleArn(stack, 'ImportedRole', 'arn:aws:iam::123456789012:role/elsewhere-role'),
    sameEnvironment: true,
  })
  const withoutRole = lambda.Function.fromFunctionArn(
    stack,
    'ImportedWithoutRole',
    'arn:aws:lambda:eu-west-1:123456789012:function:other',
  )
  importedPaths = [withRole.node.path, withoutRole.node.path]
  chat.addBackend(withRole)
  chat.addBackend(withoutRole)
  template = Template.fromStack(stack)
  api = logicalId(template, 'AWS::ApiGatewayV2::Api', () => true)
  fn = logicalId(
    template,
    'AWS::Lambda::Function',
    (p) => p.Code.ZipFile && flatten(p.Role).includes('Handler'),
  )
  backendFn = logicalId(template, 'AWS::Lambda::Function', (p) => flatten(p.Role).includes('Backend'))
}, SYNTH_TIMEOUT)

describe('WebSocketApi with one handler', () => {
  it('creates a WEBSOCKET API selecting routes by $request.body.action, and an auto-deployed stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1)
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    })
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1)
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: api },
      StageName: 'prod',
      AutoDeploy: true,
    })
  })

  it('routes $connect, $disconnect, $default and the custom keys to the one function through one integration', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      ['$connect', '$default', '$disconnect', 'sendmessage', 'whoami'].sort(),
    )
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1)
    const integration = logicalId(template, 'AWS::ApiGatewayV2::Integration', () => true)
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      ApiId: { Ref: api },
      IntegrationType: 'AWS_PROXY',
    })
    const uri = flatten(template.toJSON().Resources[integration].Properties.IntegrationUri)
    expect(uri).toBe(
      `arn:\${AWS::Partition}:apigateway:eu-west-1:lambda:path/2015-03-31/functions/\${${fn}.Arn}/invocations`,
    )
    for (const r of routes) {
      expect(flatten(r.Properties.Target)).toBe(`integrations/\${${integration}}`)
      expect(r.Properties.AuthorizationType).toBe('NONE')
    }
  })

  it('lets API Gateway invoke the function once per route, scoped to that route key', () => {
    const perms = Object.values(template.findResources('AWS::Lambda::Permission'))
    const sources = perms
      .filter((p) => p.Properties.FunctionName['Fn::GetAtt']?.[0] === fn)
      .map((p) => flatten(p.Properties.SourceArn))
      .sort()
    const base = `arn:\${AWS::Partition}:execute-api:eu-west-1:123456789012:\${${api}}/*`
    expect(sources).toEqual(
      ['$connect', '$default', '$disconnect', 'sendmessage', 'whoami'].map((k) => base + k).sort(),
    )
  })

  it('adds a route response only where asked (whoami), with key $default', () => {
    const whoami = logicalId(template, 'AWS::ApiGatewayV2::Route', (p) => p.RouteKey === 'whoami')
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'whoami',
      RouteResponseSelectionExpression: '$default',
    })
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'sendmessage',
      RouteResponseSelectionExpression: Match.absent(),
    })
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 1)
    template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', {
      ApiId: { Ref: api },
      RouteId: { Ref: whoami },
      RouteResponseKey: '$default',
    })
  })

  it('builds the connections table from the exported definition: keys, TTL, on-demand, no PITR by default', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1)
    const { partitionKey, sortKey, timeToLiveAttribute } = connectionsTable
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: partitionKey.name, KeyType: 'HASH' },
        { AttributeName: sortKey.name, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: partitionKey.name, AttributeType: 'S' },
        { AttributeName: sortKey.name, AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
    })
    // The definition the store writes against really is pk/sk/expiresAt.
    expect([partitionKey.name, sortKey.name, timeToLiveAttribute]).toEqual(['pk', 'sk', 'expiresAt'])
  })

  it('grants ManageConnections on this stage only, and table read/write, to the handler', () => {
    const table = logicalId(template, 'AWS::DynamoDB::Table', () => true)
    const statements = statementsOfRole(template, roleOf(template, fn))
    const manage = statements.filter((s) => actions(s).includes('execute-api:ManageConnections'))
    expect(manage).toHaveLength(1)
    expect(resources(manage[0]!)).toEqual([STAGE_ARN(api)])
    const dynamo = statements.filter((s) => actions(s).includes('dynamodb:PutItem'))
    expect(dynamo).toHaveLength(1)
    expect(actions(dynamo[0]!)).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      ]),
    )
    expect(resources(dynamo[0]!)).toEqual([`\${${table}.Arn}`])
  })

  it('never grants ManageConnections beyond the stage (no */*/@connections/* anywhere)', () => {
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    )
    const manage = all.filter((s: any) => actions(s).includes('execute-api:ManageConnections'))
    // handler, backend, pusher role, imported role
    expect(manage).toHaveLength(4)
    for (const s of manage) expect(resources(s)).toEqual([STAGE_ARN(api)])
  })

  it('grantManageConnections gives an extra grantee the same stage-scoped permission', () => {
    const pusher = logicalId(template, 'AWS::IAM::Role', (p) =>
      JSON.stringify(p.AssumeRolePolicyDocument).includes('ecs-tasks'),
    )
    const statements = statementsOfRole(template, pusher)
    expect(statements).toHaveLength(1)
    expect(actions(statements[0]!)).toEqual(['execute-api:ManageConnections'])
    expect(resources(statements[0]!)).toEqual([STAGE_ARN(api)])
  })

  it('sets the environment the App and the store read, on handlers and on backends', () => {
    const table = logicalId(template, 'AWS::DynamoDB::Table', () => true)
    const expected = {
      [MANAGEMENT_ENDPOINT_ENV]: `https://\${${api}}.execute-api.eu-west-1.\${AWS::URLSuffix}/prod`,
      [CONNECTIONS_TABLE_ENV]: `\${${table}}`,
    }
    expect(environmentOf(template, fn)).toEqual(expected)
    expect(environmentOf(template, backendFn)).toEqual(expected)
    expect(Object.keys(chat.environment).sort()).toEqual(Object.keys(expected).sort())
  })

  it('wires what it can on imported functions and warns about the rest', () => {
    const annotations = Annotations.fromStack(stack)
    const noEnv = annotations.findWarning('*', Match.stringLikeRegexp('not a lambda.Function'))
    expect(noEnv).toHaveLength(1)
    expect(noEnv[0]!.entry.data).toContain(importedPaths[0])
    expect(noEnv[0]!.entry.data).toContain(MANAGEMENT_ENDPOINT_ENV)
    const unwired = annotations.findWarning('*', Match.stringLikeRegexp('imported without a role'))
    expect(unwired).toHaveLength(1)
    expect(unwired[0]!.entry.data).toContain(importedPaths[1])
    // The imported role still got the stage-scoped grant.
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('elsewhere-role'),
    )
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement)
    const manage = statements.filter((s: any) => actions(s).includes('execute-api:ManageConnections'))
    expect(manage.map((s: any) => resources(s))).toEqual([[STAGE_ARN(api)]])
  })

  it('outputs the wss:// URL, the https:// management endpoint and the table name', () => {
    const table = logicalId(template, 'AWS::DynamoDB::Table', () => true)
    const outputs = Object.values(outputsByPrefix(template, 'Chat'))
    expect(outputs).toHaveLength(3)
    expect(outputs).toContain(`wss://\${${api}}.execute-api.eu-west-1.\${AWS::URLSuffix}/prod`)
    expect(outputs).toContain(`https://\${${api}}.execute-api.eu-west-1.\${AWS::URLSuffix}/prod`)
    expect(outputs).toContain(`\${${table}}`)
  })

  it('uses the variable name the App actually reads for its management endpoint', () => {
    const before = process.env[MANAGEMENT_ENDPOINT_ENV]
    process.env[MANAGEMENT_ENDPOINT_ENV] = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod'
    try {
      expect(new App().endpointOptions.endpoint).toBe(
        'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
      )
    } finally {
      if (before === undefined) delete process.env[MANAGEMENT_ENDPOINT_ENV]
      else process.env[MANAGEMENT_ENDPOINT_ENV] = before
    }
  })

  it(
    'passes cfn-lint',
    (ctx) => {
      const result = cfnLint({ single: template.toJSON() })
      if (!result.available) {
        console.warn(`SKIPPED cfn-lint on the WebSocketApi template: ${result.reason}`)
        ctx.skip()
      }
      expect(result.output).toBe('')
      expect(result.exitCode).toBe(0)
    },
    SYNTH_TIMEOUT,
  )
})
