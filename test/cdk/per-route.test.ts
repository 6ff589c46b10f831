import { App as CdkApp, Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import * as acm from 'aws-cdk-lib/aws-certificatemanager'
import * as route53 from 'aws-cdk-lib/aws-route53'
import { beforeAll, describe, expect, it } from 'vitest'
import { MANAGEMENT_ENDPOINT_ENV, WebSocketApi } from '../../src/cdk/index.js'
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

// One function per route, a $connect authorizer, access logs and a custom domain with a
// base path; then an imported domain mapped at its root with outputs turned off.

let perRoute: Template
let rootMapped: Template
const fnId: Record<string, string> = {}

beforeAll(() => {
  const app = new CdkApp()
  const stack = new Stack(app, 'PerRoute', { env: ENV })
  const fns = {
    connect: inlineFunction(stack, 'ConnectFn'),
    fallback: inlineFunction(stack, 'DefaultFn'),
    send: inlineFunction(stack, 'SendFn'),
    auth: inlineFunction(stack, 'AuthFn'),
  }
  new WebSocketApi(stack, 'Chat', {
    handlers: { $connect: fns.connect, $default: fns.fallback, sendmessage: fns.send },
    routeResponses: ['sendmessage'],
    authorizer: { handler: fns.auth, identitySource: ['route.request.querystring.token'] },
    accessLogs: { cloudWatchRole: true },
    connectionsTable: { pointInTimeRecovery: true },
    customDomain: {
      domainName: 'chat.example.com',
      certificate: acm.Certificate.fromCertificateArn(
        stack,
        'Cert',
        'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      ),
      basePath: '/ws/',
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        zoneName: 'example.com',
      }),
    },
  })

  const other = new Stack(app, 'RootMapped', { env: ENV })
  new WebSocketApi(other, 'Chat', {
    handler: inlineFunction(other, 'Fn'),
    stageName: 'live',
    outputs: false,
    connectionsTable: false,
    customDomain: {
      domainName: apigwv2.DomainName.fromDomainNameAttributes(other, 'Existing', {
        name: 'ws.example.com',
        regionalDomainName: 'd-abc123.execute-api.eu-west-1.amazonaws.com',
        regionalHostedZoneId: 'ZLY8HYME6SFDD',
      }),
    },
  })
  // Both stacks exist before the first synth: the app synthesizes once for both.
  perRoute = Template.fromStack(stack)
  rootMapped = Template.fromStack(other)
  for (const name of ['ConnectFn', 'DefaultFn', 'SendFn', 'AuthFn']) {
    fnId[name] = logicalId(perRoute, 'AWS::Lambda::Function', (p) => flatten(p.Role).includes(name))
  }
}, SYNTH_TIMEOUT)

describe('WebSocketApi with a function per route', () => {
  it('creates only the routes given, each on its own integration and function', () => {
    const routes = Object.values(perRoute.findResources('AWS::ApiGatewayV2::Route'))
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(['$connect', '$default', 'sendmessage'])
    perRoute.resourceCountIs('AWS::ApiGatewayV2::Integration', 3)
    const integrations = perRoute.toJSON().Resources
    const functionOfRoute = Object.fromEntries(
      routes.map((r) => {
        const target = flatten(r.Properties.Target).replace(/^integrations\/\$\{(.+)\}$/, '$1')
        const uri = flatten(integrations[target].Properties.IntegrationUri)
        return [r.Properties.RouteKey, /\$\{(\w+)\.Arn\}/.exec(uri)![1]]
      }),
    )
    expect(functionOfRoute).toEqual({
      $connect: fnId.ConnectFn,
      $default: fnId.DefaultFn,
      sendmessage: fnId.SendFn,
    })
    perRoute.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'sendmessage',
      RouteResponseSelectionExpression: '$default',
    })
    perRoute.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 1)
  })

  it('puts the REQUEST authorizer on $connect only, with its identity sources and invoke permission', () => {
    perRoute.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1)
    const authorizer = logicalId(perRoute, 'AWS::ApiGatewayV2::Authorizer', () => true)
    const props = perRoute.toJSON().Resources[authorizer].Properties
    expect(props.AuthorizerType).toBe('REQUEST')
    expect(props.IdentitySource).toEqual(['route.request.querystring.token'])
    expect(flatten(props.AuthorizerUri)).toContain(`\${${fnId.AuthFn}.Arn}/invocations`)
    perRoute.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizer },
    })
    for (const key of ['$default', 'sendmessage']) {
      perRoute.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: key,
        AuthorizationType: 'NONE',
        AuthorizerId: Match.absent(),
      })
    }
    const perms = Object.values(perRoute.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.FunctionName['Fn::GetAtt']?.[0] === fnId.AuthFn,
    )
    expect(perms.map((p) => flatten(p.Properties.SourceArn))).toEqual([
      expect.stringMatching(
        new RegExp(`:execute-api:eu-west-1:123456789012:\\$\\{\\w+\\}/authorizers/\\$\\{${authorizer}\\}$`),
      ),
    ])
  })

  it('wires every route function, and leaves the authorizer (not a route) alone', () => {
    for (const name of ['ConnectFn', 'DefaultFn', 'SendFn']) {
      const env = environmentOf(perRoute, fnId[name]!)
      expect(env[MANAGEMENT_ENDPOINT_ENV]).toBe('https://chat.example.com/ws')
      const manage = statementsOfRole(perRoute, roleOf(perRoute, fnId[name]!)).filter((s) =>
        actions(s).includes('execute-api:ManageConnections'),
      )
      expect(manage.map(resources)).toEqual([[expect.stringMatching(/\/prod\/\*\/@connections\/\*$/)]])
    }
    expect(environmentOf(perRoute, fnId.AuthFn!)).toEqual({})
    expect(statementsOfRole(perRoute, roleOf(perRoute, fnId.AuthFn!))).toEqual([])
  })

  it('turns on point-in-time recovery when asked', () => {
    perRoute.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    })
  })

  it('writes JSON access logs to a log group, after setting the account CloudWatch role', () => {
    const group = logicalId(perRoute, 'AWS::Logs::LogGroup', () => true)
    const stageId = logicalId(perRoute, 'AWS::ApiGatewayV2::Stage', () => true)
    const stage = perRoute.toJSON().Resources[stageId]
    expect(flatten(stage.Properties.AccessLogSettings.DestinationArn)).toBe(`\${${group}.Arn}`)
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format)
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      eventType: '$context.eventType',
      routeKey: '$context.routeKey',
      connectionId: '$context.connectionId',
      status: '$context.status',
    })
    perRoute.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 })
    const account = logicalId(perRoute, 'AWS::ApiGateway::Account', () => true)
    expect(stage.DependsOn).toContain(account)
    const role = flatten(perRoute.toJSON().Resources[account].Properties.CloudWatchRoleArn)
    perRoute.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
      },
      ManagedPolicyArns: [
        Match.objectLike({
          'Fn::Join': [
            '',
            Match.arrayWith([':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs']),
          ],
        }),
      ],
    })
    expect(role).toMatch(/^\$\{\w+\.Arn\}$/)
  })

  it('maps the stage under the base path of a Regional TLS 1.2 domain, with an alias record', () => {
    const domain = logicalId(perRoute, 'AWS::ApiGatewayV2::DomainName', () => true)
    perRoute.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'chat.example.com',
      DomainNameConfigurations: [
        Match.objectLike({
          CertificateArn:
            'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
          EndpointType: 'REGIONAL',
          SecurityPolicy: 'TLS_1_2',
        }),
      ],
    })
    const stageId = logicalId(perRoute, 'AWS::ApiGatewayV2::Stage', () => true)
    const api = logicalId(perRoute, 'AWS::ApiGatewayV2::Api', () => true)
    perRoute.hasResource('AWS::ApiGatewayV2::ApiMapping', {
      Properties: { ApiId: { Ref: api }, DomainName: { Ref: domain }, ApiMappingKey: 'ws', Stage: 'prod' },
      // The mapping must wait for the stage, which it names by string.
      DependsOn: Match.arrayWith([stageId]),
    })
    perRoute.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'chat.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [domain, 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': [domain, 'RegionalHostedZoneId'] },
      },
    })
  })

  it('outputs the custom-domain URLs: wss://{domain}/{basePath} and https://{domain}/{basePath}', () => {
    const outputs = Object.values(outputsByPrefix(perRoute, 'Chat'))
    expect(outputs).toContain('wss://chat.example.com/ws')
    expect(outputs).toContain('https://chat.example.com/ws')
    expect(outputs.some((o) => o.includes('/prod'))).toBe(false)
  })
})

describe('WebSocketApi on an existing domain, root mapping, no table, no outputs', () => {
  it('maps without a key and gives handlers https://{domain} (no stage, no trailing slash)', () => {
    rootMapped.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0)
    rootMapped.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      DomainName: 'ws.example.com',
      ApiMappingKey: Match.absent(),
    })
    rootMapped.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'live' })
    const fn = logicalId(rootMapped, 'AWS::Lambda::Function', () => true)
    expect(environmentOf(rootMapped, fn)).toEqual({ [MANAGEMENT_ENDPOINT_ENV]: 'https://ws.example.com' })
    const manage = statementsOfRole(rootMapped, roleOf(rootMapped, fn))
    expect(manage.map(resources)).toEqual([[expect.stringMatching(/\/live\/\*\/@connections\/\*$/)]])
  })

  it('creates no table and no outputs', () => {
    rootMapped.resourceCountIs('AWS::DynamoDB::Table', 0)
    expect(rootMapped.toJSON().Outputs ?? {}).toEqual({})
  })
})

describe('cfn-lint', () => {
  it(
    'passes on both templates',
    (ctx) => {
      const result = cfnLint({ perRoute: perRoute.toJSON(), rootMapped: rootMapped.toJSON() })
      if (!result.available) {
        console.warn(`SKIPPED cfn-lint on the per-route templates: ${result.reason}`)
        ctx.skip()
      }
      expect(result.output).toBe('')
      expect(result.exitCode).toBe(0)
    },
    SYNTH_TIMEOUT,
  )
})
