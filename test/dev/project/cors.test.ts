import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readProject } from '../../../src/dev/project/detect.js'
import { startProject } from './helpers.js'

// A project file's CORS settings, answered by the gateway as the deployed API answers
// them: serverless `http` events' `cors` (REST: an OPTIONS MOCK per path, 200, the
// function's responses untouched), `provider.httpApi.cors` (HTTP API: preflights 204,
// the configured headers on every response instead of the function's own), SAM's
// `Cors` / `CorsConfiguration`.

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

// Each function answers with what it saw, and one sets its own CORS header.
const HANDLER = `
let calls = 0
export const echo = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'access-control-allow-origin': 'https://own.example' },
  body: JSON.stringify({ calls: ++calls, method: event.httpMethod ?? event.requestContext?.http?.method }),
})
export const plain = async () => ({ statusCode: 201, body: 'made' })
`

function project(yml: string, template = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-cors-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'handler.mjs'), HANDLER)
  const file = join(dir, template ? 'template.yaml' : 'serverless.yml')
  writeFileSync(file, yml)
  return file
}

const SERVERLESS = `service: cors
provider:
  name: aws
  runtime: nodejs20.x
  stage: dev
  httpApi:
    cors: true
functions:
  items:
    handler: handler.plain
    events:
      - http:
          path: items
          method: post
          cors: true
      - http:
          path: items
          method: get
          cors: true
  private:
    handler: handler.echo
    events:
      - http:
          path: private
          method: put
          cors:
            origins:
              - https://app.example.com
              - https://*.preview.example.com
            headers: [Content-Type, X-Custom]
            allowCredentials: true
            maxAge: 86400
  open:
    handler: handler.plain
    events:
      - http: GET open
  users:
    handler: handler.echo
    events:
      - httpApi:
          method: get
          path: /users
      - httpApi:
          method: put
          path: /users
`

const preflight = (url: string, origin: string, method: string, headers?: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(headers && { 'access-control-request-headers': headers }),
    },
  })

const cors = (res: Response) =>
  Object.fromEntries(
    [...res.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'),
  )

describe('serverless.yml cors', () => {
  it('http `cors: true`: the path’s OPTIONS answers 200 with the Framework’s defaults; the function’s responses are its own', async () => {
    const dev = await startProject({ project: { kind: 'serverless', file: project(SERVERLESS) } })
    const base = `${dev.gateway.httpUrl}/dev`
    const pre = await preflight(
      `${base}/items`,
      'http://localhost:3000',
      'POST',
      'content-type,authorization',
    )
    expect(pre.status).toBe(200)
    expect(cors(pre)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'OPTIONS, GET, POST',
      'access-control-allow-headers':
        'Content-Type, X-Amz-Date, Authorization, X-Api-Key, X-Amz-Security-Token, X-Amz-User-Agent, X-Amzn-Trace-Id',
    })
    // A lambda-proxy integration's response is the function's: API Gateway adds no CORS headers.
    const post = await fetch(`${base}/items`, {
      method: 'POST',
      headers: { origin: 'http://localhost:3000' },
    })
    expect(post.status).toBe(201)
    expect(cors(post)).toEqual({})
    // A path without cors has no OPTIONS method: nothing answers the preflight.
    const none = await preflight(`${base}/open`, 'http://localhost:3000', 'GET')
    expect(none.status).not.toBe(200)
    expect(cors(none)).toEqual({})
  })

  it('http `cors` object: listed and wildcard origins echoed, credentials, max age, its headers; others get no allow-origin', async () => {
    const dev = await startProject({ project: { kind: 'serverless', file: project(SERVERLESS) } })
    const url = `${dev.gateway.httpUrl}/dev/private`
    const listed = await preflight(url, 'https://app.example.com', 'PUT', 'x-custom')
    expect(listed.status).toBe(200)
    expect(cors(listed)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'OPTIONS, PUT',
      'access-control-allow-headers': 'Content-Type, X-Custom',
      'access-control-max-age': '86400',
      vary: 'Origin',
    })
    const wild = await preflight(url, 'https://pr-7.preview.example.com', 'PUT')
    expect(wild.headers.get('access-control-allow-origin')).toBe('https://pr-7.preview.example.com')
    const other = await preflight(url, 'https://evil.example', 'PUT')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    // The preflight never reached the function: its first real call is its first call.
    const put = await fetch(url, { method: 'PUT', headers: { origin: 'https://app.example.com' } })
    expect(await put.json()).toEqual({ calls: 1, method: 'PUT' })
    expect(put.headers.get('access-control-allow-origin')).toBe('https://own.example')
  })

  it('provider.httpApi.cors true: preflights 204 with the Framework’s defaults; responses carry the configured headers, not the function’s', async () => {
    const dev = await startProject({ project: { kind: 'serverless', file: project(SERVERLESS) } })
    const url = `${dev.gateway.httpUrl}/users`
    const pre = await preflight(url, 'http://localhost:3000', 'GET', 'authorization,content-type')
    expect(pre.status).toBe(204)
    expect(cors(pre)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'OPTIONS, GET, PUT',
      'access-control-allow-headers':
        'Content-Type, X-Amz-Date, Authorization, X-Api-Key, X-Amz-Security-Token, X-Amz-User-Agent',
    })
    const get = await fetch(url, { headers: { origin: 'http://localhost:3000' } })
    expect(await get.json()).toEqual({ calls: 1, method: 'GET' })
    // "If you configure CORS for an API, API Gateway ignores CORS headers returned from your backend."
    expect(cors(get)).toEqual({ 'access-control-allow-origin': '*' })
  })

  it('provider.httpApi.cors object: its origins, methods, headers, exposed headers, credentials and max age', async () => {
    const file = project(`service: cors
provider:
  name: aws
  runtime: nodejs20.x
  httpApi:
    cors:
      allowedOrigins: [https://app.example.com]
      allowedHeaders: [authorization, content-type]
      allowedMethods: [GET, POST]
      allowCredentials: true
      exposedResponseHeaders: [status, origin]
      maxAge: 60
functions:
  users:
    handler: handler.echo
    events:
      - httpApi: GET /users
`)
    const dev = await startProject({ project: { kind: 'serverless', file } })
    const url = `${dev.gateway.httpUrl}/users`
    const pre = await preflight(url, 'https://app.example.com', 'GET', 'authorization')
    expect(pre.status).toBe(204)
    expect(cors(pre)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '60',
      vary: 'Origin',
    })
    const get = await fetch(url, { headers: { origin: 'https://app.example.com' } })
    expect(cors(get)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'status, origin',
      vary: 'Origin',
    })
    const other = await fetch(url, { headers: { origin: 'https://evil.example' } })
    expect(cors(other)).toEqual({})
  })
})

describe('SAM Cors / CorsConfiguration', () => {
  const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Cors:
      AllowOrigin: "'https://app.example.com'"
      AllowHeaders: "'Content-Type,Authorization'"
      MaxAge: "'600'"
Resources:
  Items:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: handler.plain
      Runtime: nodejs20.x
      Events:
        Post:
          Type: Api
          Properties: { Path: /items, Method: post }
        Get:
          Type: Api
          Properties: { Path: /items, Method: get }
  Users:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: handler.echo
      Runtime: nodejs20.x
      Events:
        Get:
          Type: HttpApi
          Properties: { Path: /users, Method: get, ApiId: !Ref Http }
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: ['*']
        AllowMethods: [GET]
`

  it('reads Globals.Api.Cors (quoted values; methods from the path) and an HttpApi’s CorsConfiguration', async () => {
    const { options } = await readProject({ kind: 'sam', file: project(TEMPLATE, true) })
    const byRoute = Object.fromEntries(options.httpRoutes!.map((r) => [`${r.method} ${r.path}`, r.cors]))
    expect(byRoute['POST /items']).toEqual({
      origin: 'https://app.example.com',
      methods: ['OPTIONS', 'POST', 'GET'],
      allowHeaders: ['Content-Type', 'Authorization'],
      maxAge: 600,
    })
    expect(byRoute['GET /users']).toEqual({ origin: ['*'], methods: ['GET'] })
  })

  it('answers an Api path’s OPTIONS at the gateway', async () => {
    const dev = await startProject({ project: { kind: 'sam', file: project(TEMPLATE, true) }, stage: 'Prod' })
    const pre = await preflight(`${dev.gateway.httpUrl}/Prod/items`, 'https://app.example.com', 'POST')
    expect(pre.status).toBe(200)
    expect(cors(pre)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'OPTIONS, POST, GET',
      'access-control-allow-headers': 'Content-Type, Authorization',
      'access-control-max-age': '600',
      vary: 'Origin',
    })
  })
})
