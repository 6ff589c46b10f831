import { App as CdkApp, Stack } from 'aws-cdk-lib'
import * as acm from 'aws-cdk-lib/aws-certificatemanager'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { describe, expect, it } from 'vitest'
import {
  planRoutes,
  WebSocketApi,
  WebSocketApiConfigError,
  type WebSocketApiProps,
} from '../../src/cdk/index.js'
import { inlineFunction } from './helpers.js'

// Mistakes caught at construction time, before any template exists (no synth here).

const a = { name: 'a' } as unknown as lambda.IFunction
const b = { name: 'b' } as unknown as lambda.IFunction

describe('planRoutes', () => {
  it('puts one handler on the three built-in routes and the custom ones, built-ins first', () => {
    expect(planRoutes({ handler: a, routes: ['sendmessage', 'whoami'], routeResponses: ['whoami'] })).toEqual(
      [
        { key: '$connect', fn: a, returnResponse: false },
        { key: '$disconnect', fn: a, returnResponse: false },
        { key: '$default', fn: a, returnResponse: false },
        { key: 'sendmessage', fn: a, returnResponse: false },
        { key: 'whoami', fn: a, returnResponse: true },
      ],
    )
  })

  it('lets handlers override or add routes next to the shared handler', () => {
    const plan = planRoutes({ handler: a, handlers: { $default: b, report: b } })
    expect(plan.map((r) => [r.key, r.fn])).toEqual([
      ['$connect', a],
      ['$disconnect', a],
      ['$default', b],
      ['report', b],
    ])
  })

  it('creates only the routes named in handlers when there is no shared handler', () => {
    expect(planRoutes({ handlers: { $connect: a, sendmessage: b } }).map((r) => r.key)).toEqual([
      '$connect',
      'sendmessage',
    ])
  })

  it('adds socketeer.resume for resumeHandler, after the routes given, with no route response', () => {
    expect(planRoutes({ handlers: { $connect: a, say: a }, resumeHandler: b })).toEqual([
      { key: '$connect', fn: a, returnResponse: false },
      { key: 'say', fn: a, returnResponse: false },
      { key: 'socketeer.resume', fn: b, returnResponse: false },
    ])
  })

  it.each<[string, Parameters<typeof planRoutes>[0], RegExp]>([
    ['nothing to route', {}, /no routes/],
    ['only a resumeHandler', { resumeHandler: a }, /no routes/],
    [
      'resumeHandler beside a socketeer.resume handler',
      { handlers: { 'socketeer.resume': a }, resumeHandler: b },
      /names already/,
    ],
    [
      'resumeHandler beside socketeer.resume in routes',
      { handler: a, routes: ['socketeer.resume'], resumeHandler: b },
      /names already/,
    ],
    ['routes without a handler', { routes: ['x'], handlers: { x: a } }, /no `handler` was given/],
    [
      'a reserved-looking key',
      { handler: a, routes: ['$ping'] },
      /only \$connect, \$disconnect and \$default/,
    ],
    ['an empty key', { handler: a, routes: [''] }, /non-empty/],
    ['whitespace in a key', { handlers: { 'send message': a } }, /no whitespace/],
    ['a duplicate custom route', { handler: a, routes: ['x', 'x'] }, /twice/],
    ['a response on an unknown route', { handler: a, routeResponses: ['whoami'] }, /not a route of this API/],
    ['a response on $connect', { handler: a, routeResponses: ['$connect'] }, /cannot have a route response/],
    [
      'a response on $disconnect',
      { handler: a, routeResponses: ['$disconnect'] },
      /cannot have a route response/,
    ],
  ])('rejects %s', (_name, input, message) => {
    expect(() => planRoutes(input)).toThrow(WebSocketApiConfigError)
    expect(() => planRoutes(input)).toThrow(message)
  })
})

describe('WebSocketApi configuration errors', () => {
  function build(props: (stack: Stack) => WebSocketApiProps): () => void {
    return () => {
      const stack = new Stack(new CdkApp(), 'S')
      new WebSocketApi(stack, 'Api', props(stack))
    }
  }

  it.each<[string, (stack: Stack) => WebSocketApiProps, RegExp]>([
    [
      'an authorizer with no $connect route',
      (s) => ({
        handlers: { $default: inlineFunction(s, 'F') },
        authorizer: {
          handler: inlineFunction(s, 'A'),
          identitySource: ['route.request.header.Authorization'],
        },
      }),
      /no \$connect route/,
    ],
    [
      'an authorizer without any function',
      (s) => ({
        handlers: { $connect: inlineFunction(s, 'F') },
        authorizer: { identitySource: ['route.request.header.Authorization'] },
      }),
      /needs a `handler`/,
    ],
    [
      'an authorizer without identity sources',
      (s) => ({ handler: inlineFunction(s, 'F'), authorizer: { identitySource: [] } }),
      /at least one source/,
    ],
    [
      'a malformed identity source',
      (s) => ({ handler: inlineFunction(s, 'F'), authorizer: { identitySource: ['$request.header.token'] } }),
      /expected route\.request\.header\.X/,
    ],
    [
      'a new custom domain without a certificate',
      (s) => ({ handler: inlineFunction(s, 'F'), customDomain: { domainName: 'chat.example.com' } }),
      /needs a `certificate`/,
    ],
    [
      'a base path with characters API Gateway rejects',
      (s) => ({
        handler: inlineFunction(s, 'F'),
        customDomain: {
          domainName: 'chat.example.com',
          certificate: acm.Certificate.fromCertificateArn(
            s,
            'C',
            'arn:aws:acm:eu-west-1:123456789012:certificate/x',
          ),
          basePath: 'chat room',
        },
      }),
      /basePath "chat room"/,
    ],
  ])('rejects %s', (_name, props, message) => {
    expect(build(props)).toThrow(message)
  })

  it('accepts the same shapes when they are right', () => {
    expect(
      build((s) => ({
        handler: inlineFunction(s, 'F'),
        authorizer: { identitySource: ['route.request.querystring.token', 'route.request.header.X-Api-Key'] },
        customDomain: {
          domainName: 'chat.example.com',
          certificate: acm.Certificate.fromCertificateArn(
            s,
            'C',
            'arn:aws:acm:eu-west-1:123456789012:certificate/x',
          ),
          basePath: 'v1/chat',
        },
      })),
    ).not.toThrow()
  })
})
