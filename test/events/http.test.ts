import { describe, expect, it } from 'vitest'
import { detectTrigger } from '../../src/events/detect.js'
import {
  buildAlbEvent,
  buildFunctionUrlEvent,
  buildHttpApiEvent,
  buildRestEvent,
  parseAlbEvent,
  parseHttpApiEvent,
  parseRestEvent,
} from '../../src/events/http.js'
import { sample } from './samples/index.js'

// Every HTTP trigger is parsed into one request shape.

describe('parsing HTTP events into one request shape', () => {
  it('REST (V1): method, path without the stage, lower-cased headers, query, body, source ip', () => {
    expect(parseRestEvent(sample('rest-v1'))).toStrictEqual({
      method: 'POST',
      path: '/posts/42/comments',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        host: 'r2d2c3p0xy.execute-api.us-east-1.amazonaws.com',
        'user-agent': 'curl/8.4.0',
        'x-amzn-trace-id': 'Root=1-65abb491-1a2b3c4d5e6f7a8b9c0d1e2f',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-port': '443',
        'x-forwarded-proto': 'https',
      },
      query: { draft: 'true' },
      queryLists: { draft: ['true'] },
      body: '{"text":"first!"}',
      isBase64Encoded: false,
      sourceIp: '203.0.113.7',
    })
  })

  it('REST (V1) with only the multi-value maps takes the last value of each', () => {
    const event = sample('rest-v1')
    event.headers = null
    event.queryStringParameters = null
    event.multiValueQueryStringParameters = { tag: ['a', 'b'] }
    event.multiValueHeaders = { 'X-Two': ['1', '2'] }
    const parsed = parseRestEvent(event)
    expect(parsed.headers).toStrictEqual({ 'x-two': '2' })
    expect(parsed.query).toStrictEqual({ tag: 'b' })
  })

  it('HTTP API (V2): cookies become the cookie header, comma-joined repeated query values stay as sent', () => {
    const parsed = parseHttpApiEvent(sample('http-v2'))
    expect(parsed.method).toBe('GET')
    expect(parsed.path).toBe('/posts/42/comments')
    expect(parsed.headers.cookie).toBe('session=s1; theme=dark')
    expect(parsed.query).toStrictEqual({ sort: 'new', tag: 'a,b' })
    expect(parsed.sourceIp).toBe('1.2.3.4')
    expect(parsed.body).toBeUndefined()
  })

  it('HTTP API (V2) on a named stage: the stage that AWS puts in rawPath is taken off', () => {
    const event = sample('http-v2')
    event.requestContext.stage = 'dev'
    event.rawPath = '/dev/posts/42/comments'
    expect(parseHttpApiEvent(event).path).toBe('/posts/42/comments')
    event.rawPath = '/dev'
    expect(parseHttpApiEvent(event).path).toBe('/')
    // Only a whole segment is the stage.
    event.rawPath = '/devices/1'
    expect(parseHttpApiEvent(event).path).toBe('/devices/1')
    // On a custom domain the path has no stage in it: leave it alone.
    event.requestContext.domainName = 'api.example.com'
    event.rawPath = '/dev/posts'
    expect(parseHttpApiEvent(event).path).toBe('/dev/posts')
  })

  it('Function URL: same shape as V2, body and cookies included', () => {
    const parsed = parseHttpApiEvent(sample('function-url'))
    expect(parsed).toMatchObject({
      method: 'POST',
      path: '/my/path',
      body: 'Hello from client!',
      sourceIp: '123.123.123.123',
      query: { parameter1: 'value1,value2', parameter2: 'value' },
    })
    expect(parsed.headers.cookie).toBe('cookie1; cookie2')
  })

  it('ALB: query parameters arrive percent-encoded and are decoded; the caller is in x-forwarded-for', () => {
    const parsed = parseAlbEvent(sample('alb'))
    expect(parsed.query).toStrictEqual({ q: 'hello world', lang: 'en GB' })
    expect(parsed.sourceIp).toBe('72.21.198.67')
    expect(parsed.path).toBe('/search')
    expect(parsed.body).toBe('')
  })

  it('ALB with multi-value headers on: reads the multi-value maps', () => {
    const parsed = parseAlbEvent(sample('alb-multivalue'))
    expect(parsed.headers['x-myheader']).toBe('123')
    expect(parsed.query).toStrictEqual({ key: 'hello' })
  })

  it('ALB keeps a malformed escape as sent rather than failing the request', () => {
    const event = sample('alb')
    event.queryStringParameters = { bad: '%E0%A4%A' }
    expect(parseAlbEvent(event).query).toStrictEqual({ bad: '%E0%A4%A' })
  })
})

describe('HTTP event builders agree with the parsers and with detection', () => {
  it('REST', () => {
    const event = buildRestEvent({ method: 'post', path: '/a/b', query: { x: ['1', '2'] }, body: 'hi' })
    expect(detectTrigger(event)).toBe('rest')
    expect(parseRestEvent(event)).toMatchObject({
      method: 'POST',
      path: '/a/b',
      query: { x: '2' },
      body: 'hi',
    })
  })

  it('HTTP API, on $default and on a named stage', () => {
    const root = buildHttpApiEvent({ path: '/a', headers: { Cookie: 'a=1; b=2', 'X-Up': 'y' } })
    expect(detectTrigger(root)).toBe('http')
    expect(root.rawPath).toBe('/a')
    expect(root.cookies).toStrictEqual(['a=1', 'b=2'])
    expect(parseHttpApiEvent(root).headers).toMatchObject({ cookie: 'a=1; b=2', 'x-up': 'y' })
    const staged = buildHttpApiEvent({ path: '/a', stage: 'dev' })
    expect(staged.rawPath).toBe('/dev/a')
    expect(staged.requestContext.http.path).toBe('/dev/a')
    expect(parseHttpApiEvent(staged).path).toBe('/a')
  })

  it('Function URL', () => {
    const event = buildFunctionUrlEvent({ method: 'PUT', path: '/x' })
    expect(detectTrigger(event)).toBe('url')
    expect(event.requestContext.domainName).toMatch(/\.lambda-url\.us-east-1\.on\.aws$/)
  })

  it('ALB, with the query encoded as ALB sends it, in both header modes', () => {
    const single = buildAlbEvent({ path: '/s', query: { q: 'a b&c' }, sourceIp: '10.0.0.9' })
    expect(detectTrigger(single)).toBe('alb')
    expect(single.queryStringParameters).toStrictEqual({ q: 'a%20b%26c' })
    expect(single.multiValueHeaders).toBeUndefined()
    expect(parseAlbEvent(single)).toMatchObject({ query: { q: 'a b&c' }, sourceIp: '10.0.0.9' })
    const multi = buildAlbEvent({
      query: { t: ['1', '2'] },
      headers: { 'X-A': ['1', '2'] },
      multiValueHeaders: true,
    })
    expect(multi.headers).toBeUndefined()
    expect(multi.queryStringParameters).toBeUndefined()
    expect(multi.multiValueHeaders).toMatchObject({ 'x-a': ['1', '2'] })
    expect(parseAlbEvent(multi)).toMatchObject({ query: { t: '2' }, headers: { 'x-a': '2' } })
  })
})
