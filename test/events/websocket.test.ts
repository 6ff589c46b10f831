import { describe, expect, it } from 'vitest'
import { buildAuthorizerEvent } from '../../src/events/authorizer.js'
import { clfTime, isGatewayIdShape, newGatewayId, parseClfTime } from '../../src/events/ids.js'
import { buildConnectEvent, buildDisconnectEvent, buildMessageEvent } from '../../src/events/websocket.js'
import { sample } from './samples/index.js'

// The builders are what the testkit and the local gateway make events with: given the
// facts of a real capture, they must produce that capture.

const api = {
  apiId: 'dl7ptocha9',
  stage: 'prod',
  domainName: 'dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com',
}
const chrome =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36'
const connection = {
  connectionId: 'R1kmxc2VNjMCFIA=',
  connectedAt: 1705751697419,
  sourceIp: '49.105.91.154',
  userAgent: chrome,
}

describe('WebSocket event builders reproduce the real captures', () => {
  it('MESSAGE: the semantics page sample, field for field', () => {
    const built = buildMessageEvent({
      api,
      connection,
      now: 1705751700453,
      requestId: 'R1knPH17NjMFftw=',
      messageId: 'R1knPc2ntjMCFIA=',
      routeKey: '$default',
      body: '{"action":"sendmessage","message":"hi"}',
    })
    expect(built).toStrictEqual(sample('ws-message'))
  })

  it('DISCONNECT: the aws-lambda-go capture, with its fixed header set and close code', () => {
    const built = buildDisconnectEvent({
      api,
      connection,
      now: 1705751708326,
      requestId: 'R1koeHsUtjMFbRw=',
      statusCode: 1001,
      reason: '',
    })
    expect(built).toStrictEqual(sample('ws-disconnect'))
  })

  it('CONNECT: handshake headers minus Connection, Upgrade and content-length; the query in both maps', () => {
    const expected = sample('ws-connect')
    const built = buildConnectEvent({
      api,
      connection,
      now: 1705751697420,
      requestId: 'R1kmxFn0NjMFpjw=',
      headers: {
        ...expected.headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'content-length': '0',
      },
      query: { room: 'lobby', token: 'abc' },
    })
    expect(built).toStrictEqual(expected)
  })

  it('the REQUEST authorizer event keeps Connection, Upgrade and content-length', () => {
    const expected = sample('authorizer-request')
    const built = buildAuthorizerEvent({
      api,
      connection: {
        connectionId: connection.connectionId,
        connectedAt: connection.connectedAt,
        sourceIp: connection.sourceIp,
      },
      now: 1705751697420,
      requestId: 'R1kmxFn0NjMFpjw=',
      region: 'ap-northeast-1',
      accountId: '123456789012',
      headers: expected.headers,
      query: { token: 'secret-token' },
    })
    expect(built).toStrictEqual(expected)
  })

  it('puts each field only where AWS does', () => {
    const base = { api, connection: { ...connection, userAgent: undefined } }
    const connect = buildConnectEvent(base)
    const message = buildMessageEvent({ ...base, routeKey: 'x', body: 'hi' })
    const disconnect = buildDisconnectEvent({
      ...base,
      statusCode: 1005,
      reason: 'Client-side close frame status not set',
    })
    // No query on the URL: no query keys at all.
    expect(connect).not.toHaveProperty('queryStringParameters')
    expect(connect).not.toHaveProperty('body')
    expect(connect.requestContext).not.toHaveProperty('messageId')
    expect(message).not.toHaveProperty('headers')
    expect(message.requestContext).not.toHaveProperty('disconnectStatusCode')
    expect(isGatewayIdShape(message.requestContext.messageId!)).toBe(true)
    expect(disconnect.requestContext).not.toHaveProperty('messageId')
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1005)
    // A client that sent no user agent: identity has the source ip only.
    for (const e of [connect, message, disconnect]) {
      expect(e.requestContext.identity).toStrictEqual({ sourceIp: '49.105.91.154' })
      expect(e.requestContext.requestId).toBe(e.requestContext.extendedRequestId)
      expect(e.requestContext.messageDirection).toBe('IN')
      expect(e.isBase64Encoded).toBe(false)
      expect(e.requestContext).not.toHaveProperty('authorizer')
    }
  })

  it('repeats the authorizer context on every event of the connection', () => {
    const authorizer = { principalId: 'user-42', tenant: 'acme' }
    const facts = { api, connection: { ...connection, authorizer } }
    const message = buildMessageEvent({ ...facts, routeKey: '$default', body: '' })
    const disconnect = buildDisconnectEvent({ ...facts, statusCode: 1000, reason: '' })
    expect(message.requestContext.authorizer).toStrictEqual(authorizer)
    expect(disconnect.requestContext.authorizer).toStrictEqual(authorizer)
    // A copy, so one handler mutating its event cannot change the next event.
    expect(message.requestContext.authorizer).not.toBe(authorizer)
  })
})

describe('ids and times', () => {
  it('makes 16-character ids ending in =, never the same twice', () => {
    const ids = new Set(Array.from({ length: 2000 }, newGatewayId))
    expect(ids.size).toBe(2000)
    for (const id of ids) expect(isGatewayIdShape(id)).toBe(true)
    expect(isGatewayIdShape('R1kmxc2VNjMCFIA=')).toBe(true)
    expect(isGatewayIdShape('not-an-id')).toBe(false)
  })

  it('writes and reads requestTime in the CLF of the captures', () => {
    expect(clfTime(1705751708326)).toBe('20/Jan/2024:11:55:08 +0000')
    expect(clfTime(Date.UTC(2024, 0, 5, 3, 4, 5))).toBe('05/Jan/2024:03:04:05 +0000')
    expect(parseClfTime('20/Jan/2024:11:55:08 +0000')).toBe(1705751708000)
    expect(parseClfTime('20/Jan/2024:12:55:08 +0100')).toBe(1705751708000)
    expect(parseClfTime('20/Foo/2024:11:55:08 +0000')).toBeUndefined()
    expect(parseClfTime('yesterday')).toBeUndefined()
  })
})
