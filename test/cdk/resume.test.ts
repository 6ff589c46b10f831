import { Annotations as CdkAnnotations, App as CdkApp, Stack } from 'aws-cdk-lib'
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { MANAGEMENT_ENDPOINT_ENV, WebSocketApi, type WebSocketApiProps } from '../../src/cdk/index.js'
import { RESUME_ACTION } from '../../src/protocol/frames.js'
import {
  actions,
  ENV,
  environmentOf,
  flatten,
  inlineFunction,
  logicalId,
  roleOf,
  SYNTH_TIMEOUT,
  statementsOfRole,
} from './helpers.js'

// socketeer/client's session resume frame on AWS: with per-route handlers and no
// $default it reaches no function unless a route is added for it, and the construct says so.

type Shape =
  | 'perRoute'
  | 'acknowledged'
  | 'withOption'
  | 'withKey'
  | 'withDefault'
  | 'single'
  | 'otherSelection'
const stacks = {} as Record<Shape, Stack>
const templates = {} as Record<Shape, Template>

beforeAll(() => {
  const app = new CdkApp()
  const shapes: Record<Shape, (s: Stack) => WebSocketApiProps> = {
    perRoute: (s) => ({
      handlers: { $connect: inlineFunction(s, 'ConnectFn'), say: inlineFunction(s, 'SayFn') },
    }),
    acknowledged: (s) => ({ handlers: { $connect: inlineFunction(s, 'ConnectFn') } }),
    withOption: (s) => ({
      handlers: { $connect: inlineFunction(s, 'ConnectFn'), say: inlineFunction(s, 'SayFn') },
      resumeHandler: inlineFunction(s, 'ResumeFn'),
    }),
    withKey: (s) => ({
      handlers: { $connect: inlineFunction(s, 'ConnectFn'), [RESUME_ACTION]: inlineFunction(s, 'ResumeFn') },
    }),
    withDefault: (s) => ({
      handlers: { $connect: inlineFunction(s, 'ConnectFn'), $default: inlineFunction(s, 'DefaultFn') },
    }),
    single: (s) => ({ handler: inlineFunction(s, 'Fn'), routes: ['say'] }),
    // Frames routed by another field: a resume route could never be selected.
    otherSelection: (s) => ({
      handlers: { $connect: inlineFunction(s, 'ConnectFn'), say: inlineFunction(s, 'SayFn') },
      routeSelectionExpression: '$request.body.type',
    }),
  }
  for (const [shape, props] of Object.entries(shapes) as [Shape, (s: Stack) => WebSocketApiProps][]) {
    const stack = new Stack(app, shape, { env: ENV })
    const ws = new WebSocketApi(stack, 'Chat', props(stack))
    // What docs/deploying.md tells an API without sessions to do.
    if (shape === 'acknowledged') CdkAnnotations.of(ws).acknowledgeWarning('socketeer:no-resume-route')
    stacks[shape] = stack
  }
  for (const shape of Object.keys(shapes) as Shape[]) templates[shape] = Template.fromStack(stacks[shape])
}, SYNTH_TIMEOUT)

const resumeWarnings = (shape: Shape) =>
  Annotations.fromStack(stacks[shape]).findWarning('*', Match.stringLikeRegexp('session resume request'))

describe('the resume route', () => {
  it('resumeHandler adds socketeer.resume on an integration to that function, with no route response', () => {
    const t = templates.withOption
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route'))
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(['$connect', 'say', RESUME_ACTION])
    const resume = routes.find((r) => r.Properties.RouteKey === RESUME_ACTION)!
    // The App posts its reply through @connections: a route response would send it twice.
    expect(resume.Properties.RouteResponseSelectionExpression).toBeUndefined()
    t.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 0)
    const target = flatten(resume.Properties.Target).replace(/^integrations\/\$\{(.+)\}$/, '$1')
    const integration = t.toJSON().Resources[target]
    expect(integration.Properties.IntegrationType).toBe('AWS_PROXY')
    const resumeFn = logicalId(t, 'AWS::Lambda::Function', (p) => flatten(p.Role).includes('ResumeFn'))
    expect(flatten(integration.Properties.IntegrationUri)).toContain(`\${${resumeFn}.Arn}/invocations`)
    // Invokable on that route only, and wired like the handlers: it posts and reads the store.
    const perms = Object.values(t.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.FunctionName['Fn::GetAtt']?.[0] === resumeFn,
    )
    expect(perms.map((p) => flatten(p.Properties.SourceArn))).toEqual([
      expect.stringMatching(/\/\*socketeer\.resume$/),
    ])
    expect(Object.keys(environmentOf(t, resumeFn))).toContain(MANAGEMENT_ENDPOINT_ENV)
    const statements = statementsOfRole(t, roleOf(t, resumeFn))
    expect(statements.some((s) => actions(s).includes('execute-api:ManageConnections'))).toBe(true)
    expect(statements.some((s) => actions(s).includes('dynamodb:Query'))).toBe(true)
  })

  it('per-route handlers without $default or socketeer.resume: a warning that says how to add it, no route', () => {
    const warnings = resumeWarnings('perRoute')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.entry.data).toContain(RESUME_ACTION)
    expect(warnings[0]!.entry.data).toContain('resumeHandler')
    const keys = Object.values(templates.perRoute.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    )
    expect(keys.sort()).toEqual(['$connect', 'say'])
  })

  it.each<Shape>(['withOption', 'withKey', 'withDefault', 'single', 'acknowledged', 'otherSelection'])(
    'no warning with %s',
    (shape) => {
      expect(resumeWarnings(shape)).toEqual([])
    },
  )
})
