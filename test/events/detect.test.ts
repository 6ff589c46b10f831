import { describe, expect, it } from 'vitest'
import { describeEvent } from '../../src/events/describe.js'
import { detectTrigger } from '../../src/events/detect.js'
import { App, AppError, UnknownEventError } from '../../src/index.js'
import { harness } from '../app/helpers.js'
import { sample } from './samples/index.js'

describe('detectTrigger: the fixed order of the semantics page, section 7', () => {
  it.each([
    ['ws-connect', 'websocket'],
    ['ws-message', 'websocket'],
    ['ws-disconnect', 'websocket'],
    ['ws-message-custom-route-authorized', 'websocket'],
    ['authorizer-request', 'authorizer'],
    ['rest-v1', 'rest'],
    ['http-v2', 'http'],
    ['function-url', 'url'],
    ['alb', 'alb'],
    ['alb-multivalue', 'alb'],
  ] as const)('%s is %s', (name, kind) => {
    expect(detectTrigger(sample(name))).toBe(kind)
  })

  it('checks the authorizer before WebSocket: its requestContext alone passes the WebSocket test', () => {
    const event = sample('authorizer-request')
    expect(detectTrigger(event)).toBe('authorizer')
    // Without the authorizer markers the very same requestContext reads as a CONNECT event.
    const { type: _t, methodArn: _m, ...rest } = event
    expect(detectTrigger(rest)).toBe('websocket')
  })

  it('tells a Function URL from an HTTP API by the lambda-url host, whatever the rest of the event', () => {
    const url = sample('function-url')
    const http = sample('function-url')
    http.requestContext.domainName = 'api.example.com'
    expect(detectTrigger(url)).toBe('url')
    expect(detectTrigger(http)).toBe('http')
    const v2 = sample('http-v2')
    v2.requestContext.domainName = 'abc.lambda-url.eu-west-1.on.aws'
    expect(detectTrigger(v2)).toBe('url')
  })

  it('does not take a REST event that carries WebSocket-looking context for a WebSocket event', () => {
    // aws-lambda-go's apigw-websocket-request.json mixes both; top-level httpMethod wins.
    const rest = sample('rest-v1')
    Object.assign(rest.requestContext, {
      connectionId: 'TWegAcC4EowCHnA=',
      eventType: 'CONNECT',
      messageDirection: 'IN',
    })
    expect(detectTrigger(rest)).toBe('rest')
  })

  it('needs the elb target group for ALB, so a V1-shaped event without `resource` is not ALB', () => {
    const alb = sample('alb')
    expect(detectTrigger(alb)).toBe('alb')
    delete alb.requestContext.elb
    expect(detectTrigger(alb)).toBeUndefined()
  })

  it('never takes an HTTP API (payload 2.0) or a REST TOKEN authorizer event for an HTTP request', () => {
    // The 2.0 authorizer event has version, rawPath and requestContext.http: every HTTP API mark.
    expect(detectTrigger(sample('http-v2-authorizer'))).toBeUndefined()
    expect(detectTrigger(sample('rest-token-authorizer'))).toBeUndefined()
    // A REST TOKEN event given a REST-looking body is still an authorizer event.
    const token = { ...sample('rest-v1'), type: 'TOKEN', authorizationToken: 'x' }
    expect(detectTrigger(token)).toBeUndefined()
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'hello'],
    ['a number', 42],
    ['an array', [{ requestContext: {} }]],
    ['an empty object', {}],
    ['an S3 notification', { Records: [{ eventSource: 'aws:s3', s3: {} }] }],
    [
      'a WebSocket context with an unknown eventType',
      { requestContext: { connectionId: 'x', eventType: 'PING' } },
    ],
    [
      'a WebSocket context without a connection id',
      { requestContext: { eventType: 'MESSAGE', routeKey: '$default' } },
    ],
    [
      'a WebSocket context without a route key',
      { requestContext: { connectionId: 'x', eventType: 'MESSAGE', messageDirection: 'IN' } },
    ],
    [
      'a WebSocket context without messageDirection',
      { requestContext: { connectionId: 'x', eventType: 'MESSAGE', routeKey: '$default' } },
    ],
    ['a V2 event without http.method', { version: '2.0', rawPath: '/', requestContext: { http: {} } }],
    ['a REST event without path', { httpMethod: 'GET', resource: '/', requestContext: {} }],
    ['an authorizer event without requestContext', { type: 'REQUEST', methodArn: 'arn:x' }],
  ])('%s is none of them', (_what, event) => {
    expect(detectTrigger(event)).toBeUndefined()
  })
})

describe('describeEvent: what the unknown-event error names', () => {
  it('names the top-level keys and the requestContext keys, at most eight of each', () => {
    expect(describeEvent({ Records: [], foo: 1 })).toBe('an object with keys Records, foo')
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]))
    expect(describeEvent(many)).toBe('an object with keys k0, k1, k2, k3, k4, k5, k6, k7, …')
    expect(describeEvent({ requestContext: { a: 1, b: 2 } })).toBe(
      'an object with keys requestContext (requestContext keys: a, b)',
    )
  })
  it('describes non-objects by type, never by value', () => {
    expect(describeEvent(null)).toBe('null')
    expect(describeEvent(undefined)).toBe('undefined')
    expect(describeEvent('secret-token')).toBe('string')
    expect(describeEvent([1, 2, 3])).toBe('an array of 3')
  })
})

describe('describeEvent: names the field that decided against a near miss', () => {
  it.each([
    [
      'a WebSocket event with a top-level httpMethod',
      () => ({ ...sample('ws-message'), httpMethod: 'POST' }),
      /top-level `httpMethod` marks another trigger/,
    ],
    [
      'a WebSocket event with a top-level version',
      () => ({ ...sample('ws-message'), version: '1.0' }),
      /top-level `version`/,
    ],
    [
      'a WebSocket event without messageDirection',
      () => {
        const e = sample('ws-message')
        delete e.requestContext.messageDirection
        return e
      },
      /also needs messageDirection "IN"/,
    ],
    [
      'an HTTP API authorizer event',
      () => sample('http-v2-authorizer'),
      /`routeArn` marks an HTTP API \(payload 2.0\) Lambda authorizer event/,
    ],
    ['a REST TOKEN authorizer event', () => sample('rest-token-authorizer'), /REST TOKEN authorizer event/],
    [
      'a REST event without resource',
      () => {
        const e = sample('rest-v1')
        delete e.resource
        return e
      },
      /REST \(V1\) proxy event, but `resource` is not a string/,
    ],
    [
      'an HTTP API event without requestContext.http',
      () => {
        const e = sample('http-v2')
        delete e.requestContext.http
        return e
      },
      /`requestContext.http.method` is not a string/,
    ],
    [
      'an ALB event whose path is a number',
      () => ({ ...sample('alb'), path: 5 }),
      /ALB event, but `path` is not a string/,
    ],
  ] as const)('%s', (_name, make, reason) => {
    expect(detectTrigger(make())).toBeUndefined()
    expect(describeEvent(make())).toMatch(reason)
  })

  it('names no reason for an event of no known family', () => {
    expect(describeEvent({ Records: [] })).toBe('an object with keys Records')
  })
})

describe('app.handler on an unknown event', () => {
  it('refuses an HTTP API authorizer event as unknown_event, without running any route', async () => {
    const { app } = harness()
    let ran = 0
    app.all('/my/path', () => {
      ran++
      return 'side effect'
    })
    app.authorizer(() => {
      ran++
      return { principalId: 'p' }
    })
    for (const name of ['http-v2-authorizer', 'rest-token-authorizer'] as const) {
      const error = await app.handler(sample(name)).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(UnknownEventError)
      expect((error as Error).message).toMatch(/authorizer event/)
    }
    expect(ran).toBe(0)
  })

  it('rejects (never throws synchronously) with a typed UnknownEventError naming what it received', async () => {
    const { app, logs } = harness()
    let result: Promise<unknown> | undefined
    expect(() => {
      result = app.handler({ Records: [{ eventSource: 'aws:sqs' }] }, { awsRequestId: 'req-1' })
    }).not.toThrow()
    const error = await result!.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(UnknownEventError)
    expect(error).toBeInstanceOf(AppError)
    expect((error as UnknownEventError).code).toBe('unknown_event')
    expect((error as Error).message).toMatch(/received an object with keys Records$/)
    expect((error as Error).message).toMatch(
      /WebSocket, REST \(V1\) proxy, HTTP API \(V2\), Function URL, ALB/,
    )
    expect(logs).toEqual([
      expect.objectContaining({ level: 'error', requestId: 'req-1', code: 'unknown_event' }),
    ])
  })

  it('rejects for null, strings and malformed events of a known family alike', async () => {
    const app = new App({ logLevel: 'silent' })
    for (const event of [null, 'x', { version: '2.0', rawPath: '/', requestContext: { http: {} } }]) {
      await expect(app.handler(event)).rejects.toBeInstanceOf(UnknownEventError)
    }
  })
})
