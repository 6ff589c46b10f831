import { App as CdkApp, Stack } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { WebSocketApi } from '../../src/cdk/index.js'
import { ENV, inlineFunction, SYNTH_TIMEOUT } from './helpers.js'

// socketeer/client's keepalive on AWS: a route on a MOCK integration, so the frame that
// keeps a connection under the 10-minute idle limit costs no Lambda invocation.

function synth(props: Partial<ConstructorParameters<typeof WebSocketApi>[2]>) {
  const stack = new Stack(new CdkApp(), 'Keepalive', { env: ENV })
  new WebSocketApi(stack, 'Chat', { handler: inlineFunction(stack, 'Handler'), routes: ['say'], ...props })
  return Template.fromStack(stack)
}

describe('keepaliveRoute', () => {
  it(
    'adds socketeer.keepalive on a MOCK integration answering 200, one-way, beside the Lambda routes',
    () => {
      const template = synth({ keepaliveRoute: true })
      const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'))
      const mock = integrations.filter((i) => i.Properties.IntegrationType === 'MOCK')
      expect(mock).toHaveLength(1)
      expect(mock[0]!.Properties.RequestTemplates).toEqual({ $default: '{"statusCode": 200}' })
      expect(mock[0]!.Properties.TemplateSelectionExpression).toBe('\\$default')
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      const keepalive = routes.find((r) => r.Properties.RouteKey === 'socketeer.keepalive')
      expect(keepalive).toBeDefined()
      // No route response: API Gateway sends nothing back.
      expect(keepalive!.Properties.RouteResponseSelectionExpression).toBeUndefined()
      expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
        '$connect',
        '$default',
        '$disconnect',
        'say',
        'socketeer.keepalive',
      ])
    },
    SYNTH_TIMEOUT,
  )

  it(
    'takes another name, and none by default',
    () => {
      const named = Object.values(synth({ keepaliveRoute: 'ping' }).findResources('AWS::ApiGatewayV2::Route'))
      expect(named.some((r) => r.Properties.RouteKey === 'ping')).toBe(true)
      const none = synth({}).findResources('AWS::ApiGatewayV2::Integration')
      expect(Object.values(none).some((i) => i.Properties.IntegrationType === 'MOCK')).toBe(false)
      expect(() => synth({ keepaliveRoute: 'say' })).toThrow(/also a handler's route/)
    },
    SYNTH_TIMEOUT,
  )
})
