import { describe, expect, it } from 'vitest'
import { detectTrigger } from '../../src/events/detect.js'
import { clfTime, newGatewayId } from '../../src/events/ids.js'
import { defaultApi, events } from '../../testkit/index.js'

// Each builder against the semantics page, section 1, and against real captures.

const ID = /^[A-Za-z0-9_-]{15}=$/
const CLF = /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/
const NOW = 1705751700453

const api = {
  apiId: 'dl7ptocha9',
  stage: 'prod',
  domainName: 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com',
}
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)'

function commonContext(rc: Record<string, unknown>) {
  expect(rc.connectionId).toMatch(ID)
  expect(rc.requestId).toMatch(ID)
  expect(rc.extendedRequestId).toBe(rc.requestId)
  expect(rc.requestTime).toMatch(CLF)
  expect(rc.requestTime).toBe(clfTime(rc.requestTimeEpoch as number))
  expect(rc.messageDirection).toBe('IN')
  expect(rc).toMatchObject({ stage: 'prod', apiId: 'abcd1234', domainName: defaultApi.domainName })
}

describe('gateway ids', () => {
  it('are 16 characters ending in "=", URL-safe (the id travels in the @connections path)', () => {
    const ids = new Set(Array.from({ length: 2000 }, newGatewayId))
    expect(ids.size).toBe(2000)
    for (const id of ids) expect(id).toMatch(ID)
  })
})

describe('events.message', () => {
  it('reproduces the real MESSAGE capture exactly', () => {
    const event = events.message({
      api,
      connectionId: 'R1kmxc2VNjMCFIA=',
      connectedAt: 1705751697419,
      now: NOW,
      requestId: 'R1knPH17NjMFftw=',
      messageId: 'R1knPc2ntjMCFIA=',
      sourceIp: '49.105.91.154',
      userAgent: UA,
      body: '{"action":"sendmessage","message":"hi"}',
    })
    expect(JSON.parse(JSON.stringify(event))).toEqual({
      requestContext: {
        routeKey: '$default',
        messageId: 'R1knPc2ntjMCFIA=',
        eventType: 'MESSAGE',
        extendedRequestId: 'R1knPH17NjMFftw=',
        requestTime: '20/Jan/2024:11:55:00 +0000',
        messageDirection: 'IN',
        stage: 'prod',
        connectedAt: 1705751697419,
        requestTimeEpoch: 1705751700453,
        identity: { userAgent: UA, sourceIp: '49.105.91.154' },
        requestId: 'R1knPH17NjMFftw=',
        domainName: 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com',
        connectionId: 'R1kmxc2VNjMCFIA=',
        apiId: 'dl7ptocha9',
      },
      body: '{"action":"sendmessage","message":"hi"}',
      isBase64Encoded: false,
    })
  })

  it('has a messageId, no headers, no query, no disconnect fields; identity.userAgent only when given', () => {
    const event = events.message({ body: { action: 'join' }, routeKey: 'join' })
    const rc = event.requestContext as unknown as Record<string, unknown>
    commonContext(rc)
    expect(rc.messageId).toMatch(ID)
    expect(rc.messageId).not.toBe(rc.requestId)
    expect(rc).toMatchObject({ routeKey: 'join', eventType: 'MESSAGE' })
    expect(rc.identity).toEqual({ sourceIp: '203.0.113.10' })
    for (const key of ['disconnectStatusCode', 'disconnectReason', 'authorizer'])
      expect(rc).not.toHaveProperty(key)
    expect(Object.keys(event).sort()).toEqual(['body', 'isBase64Encoded', 'requestContext'])
    expect(event.body).toBe('{"action":"join"}')
    expect(events.message({ body: 'not json {' }).body).toBe('not json {')
  })

  it('gives each event a new request id and keeps connection facts fixed', () => {
    const a = events.message({ connectionId: 'R1kmxc2VNjMCFIA=', connectedAt: 1 })
    const b = events.message({ connectionId: 'R1kmxc2VNjMCFIA=', connectedAt: 1 })
    expect(a.requestContext.requestId).not.toBe(b.requestContext.requestId)
    expect(b.requestContext).toMatchObject({ connectionId: 'R1kmxc2VNjMCFIA=', connectedAt: 1 })
  })
})

describe('events.connect', () => {
  it('carries the handshake headers minus Connection, Upgrade and content-length; no messageId', () => {
    const event = events.connect({
      now: NOW,
      headers: { 'content-length': '0', 'X-Custom': ['a', 'b'], 'User-Agent': UA },
    })
    const rc = event.requestContext as unknown as Record<string, unknown>
    commonContext(rc)
    expect(rc).toMatchObject({ routeKey: '$connect', eventType: 'CONNECT', connectedAt: NOW - 1 })
    for (const key of ['messageId', 'disconnectStatusCode', 'disconnectReason', 'authorizer'])
      expect(rc).not.toHaveProperty(key)
    const names = Object.keys(event.headers!).map((h) => h.toLowerCase())
    for (const dropped of ['connection', 'upgrade', 'content-length']) expect(names).not.toContain(dropped)
    expect(event.headers).toMatchObject({
      Host: defaultApi.domainName,
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
      'X-Forwarded-For': '203.0.113.10',
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
      'X-Custom': 'b',
    })
    expect(event.headers!['Sec-WebSocket-Key']).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    // API Gateway's trace header: Root=1-{epoch seconds in 8 hex}-{24 hex}.
    const trace = /^Root=1-([0-9a-f]{8})-[0-9a-f]{24}$/.exec(event.headers!['X-Amzn-Trace-Id'] ?? '')
    expect(trace).not.toBeNull()
    expect(Number.parseInt(trace![1]!, 16)).toBe(Math.floor(NOW / 1000))
    expect(event.multiValueHeaders!['X-Custom']).toEqual(['a', 'b'])
    expect(Object.keys(event.multiValueHeaders!).sort()).toEqual(Object.keys(event.headers!).sort())
    // The User-Agent header is what identity.userAgent reports.
    expect(rc.identity).toEqual({ userAgent: UA, sourceIp: '203.0.113.10' })
    expect(event).not.toHaveProperty('body')
    expect(event.isBase64Encoded).toBe(false)
  })

  it('has query parameters only when the URL had a query', () => {
    const plain = events.connect()
    expect(plain).not.toHaveProperty('queryStringParameters')
    expect(plain).not.toHaveProperty('multiValueQueryStringParameters')
    expect(plain.requestContext.identity).toEqual({ sourceIp: '203.0.113.10' })
    const withQuery = events.connect({ query: new URLSearchParams('room=1&tag=a&tag=b') })
    expect(withQuery.queryStringParameters).toEqual({ room: '1', tag: 'b' })
    expect(withQuery.multiValueQueryStringParameters).toEqual({ room: ['1'], tag: ['a', 'b'] })
  })

  it('merges header overrides case-insensitively and removes one given as undefined', () => {
    const event = events.connect({
      headers: {
        'sec-websocket-version': '8',
        'Sec-WebSocket-Extensions': undefined,
        'Sec-WebSocket-Protocol': 'chat.v1',
      },
    })
    expect(event.headers).toMatchObject({ 'sec-websocket-version': '8', 'Sec-WebSocket-Protocol': 'chat.v1' })
    expect(event.headers).not.toHaveProperty('Sec-WebSocket-Version')
    expect(event.headers).not.toHaveProperty('Sec-WebSocket-Extensions')
  })
})

describe('events.disconnect', () => {
  it('reproduces the real DISCONNECT capture exactly', () => {
    const event = events.disconnect({
      api,
      connectionId: 'R1kmxc2VNjMCFIA=',
      connectedAt: 1705751697419,
      now: 1705751708326,
      requestId: 'R1koeHsUtjMFbRw=',
      sourceIp: '49.105.91.154',
      userAgent: UA,
      statusCode: 1001,
      reason: '',
    })
    const host = 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com'
    expect(JSON.parse(JSON.stringify(event))).toEqual({
      headers: { Host: host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
      multiValueHeaders: { Host: [host], 'x-api-key': [''], 'X-Forwarded-For': [''], 'x-restapi': [''] },
      requestContext: {
        routeKey: '$disconnect',
        disconnectStatusCode: 1001,
        eventType: 'DISCONNECT',
        extendedRequestId: 'R1koeHsUtjMFbRw=',
        requestTime: '20/Jan/2024:11:55:08 +0000',
        messageDirection: 'IN',
        disconnectReason: '',
        stage: 'prod',
        connectedAt: 1705751697419,
        requestTimeEpoch: 1705751708326,
        identity: { userAgent: UA, sourceIp: '49.105.91.154' },
        requestId: 'R1koeHsUtjMFbRw=',
        domainName: host,
        connectionId: 'R1kmxc2VNjMCFIA=',
        apiId: 'dl7ptocha9',
      },
      isBase64Encoded: false,
    })
  })

  it('defaults to 1001 Going away, with no messageId, query or body', () => {
    const event = events.disconnect()
    commonContext(event.requestContext as unknown as Record<string, unknown>)
    expect(event.requestContext).toMatchObject({ disconnectStatusCode: 1001, disconnectReason: 'Going away' })
    expect(event.requestContext).not.toHaveProperty('messageId')
    expect(Object.keys(event).sort()).toEqual([
      'headers',
      'isBase64Encoded',
      'multiValueHeaders',
      'requestContext',
    ])
  })
})

describe('events.authorizer', () => {
  it('is a REQUEST event for $connect whose headers keep Connection and Upgrade', () => {
    const event = events.authorizer({ region: 'eu-west-1', accountId: '111122223333', query: { token: 't' } })
    expect(event.type).toBe('REQUEST')
    expect(event.methodArn).toBe('arn:aws:execute-api:eu-west-1:111122223333:abcd1234/prod/$connect')
    expect(event.headers).toMatchObject({
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
    })
    expect(event.queryStringParameters).toEqual({ token: 't' })
    expect(event.requestContext).toMatchObject({ routeKey: '$connect', eventType: 'CONNECT' })
    expect(event.requestContext).not.toHaveProperty('authorizer')
    expect(event.requestContext).not.toHaveProperty('messageId')
    expect(detectTrigger(event)).toBe('authorizer')
  })
})

describe('authorizer context', () => {
  it('is repeated on every event of the connection, as given', () => {
    const authorizer = { principalId: 'user-1', integrationLatency: 12, role: 'admin' }
    const built = [
      events.connect({ authorizer }),
      events.message({ authorizer }),
      events.disconnect({ authorizer }),
    ]
    for (const event of built) expect(event.requestContext.authorizer).toEqual(authorizer)
    built[0]!.requestContext.authorizer!.role = 'changed'
    expect(built[1]!.requestContext.authorizer!.role).toBe('admin')
  })
})

describe('overrides and trigger detection', () => {
  it('applies api, ids and time overrides', () => {
    const event = events.message({
      api: { stage: 'dev' },
      connectionId: 'AAAAAAAAAAAAAAA=',
      requestId: 'BBBBBBBBBBBBBBB=',
      now: Date.UTC(2024, 1, 29, 23, 59, 7),
    })
    expect(event.requestContext).toMatchObject({
      stage: 'dev',
      apiId: 'abcd1234',
      connectionId: 'AAAAAAAAAAAAAAA=',
      requestId: 'BBBBBBBBBBBBBBB=',
      extendedRequestId: 'BBBBBBBBBBBBBBB=',
      requestTime: '29/Feb/2024:23:59:07 +0000',
    })
  })

  it('every builder produces an event the App recognises as its trigger', () => {
    expect(detectTrigger(events.connect())).toBe('websocket')
    expect(detectTrigger(events.message())).toBe('websocket')
    expect(detectTrigger(events.disconnect())).toBe('websocket')
    expect(detectTrigger(events.rest({ path: '/x' }))).toBe('rest')
    expect(detectTrigger(events.httpApi({ path: '/x' }))).toBe('http')
    expect(detectTrigger(events.functionUrl({ path: '/x' }))).toBe('url')
    expect(detectTrigger(events.alb({ path: '/x' }))).toBe('alb')
  })
})
