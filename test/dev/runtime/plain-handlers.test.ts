import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type DevServer, startDev } from '../../../src/dev/index.js'
import { connected, refused, sleep } from '../helpers.js'

// Handlers as teams already have them, unchanged: a plain SDK v3 handler that builds its
// endpoint as AWS's samples do, and the stack trace of a handler that throws, in a
// CommonJS and an ESM project.

vi.setConfig({ testTimeout: 60_000 })

const dirs: string[] = []
const servers: DevServer[] = []
const children: ChildProcess[] = []
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  await Promise.all(servers.splice(0).map((s) => s.close()))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(process.cwd(), 'node_modules', '.socketeer-test-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

async function dev(options: Parameters<typeof startDev>[0]) {
  const lines: string[] = []
  const server = await startDev({ port: 0, logger: (l) => lines.push(l), watch: false, ...options })
  servers.push(server)
  const waitForLine = async (pattern: RegExp) => {
    const until = Date.now() + 20_000
    while (Date.now() < until) {
      const hit = lines.find((l) => pattern.test(l))
      if (hit) return hit
      await sleep(20)
    }
    throw new Error(`no line matching ${pattern} in:\n${lines.join('\n')}`)
  }
  return { server, lines, waitForLine }
}

// The AWS sample's shape: the endpoint from the event, https, the SDK v3 client.
const SDK_HANDLER = `
import { ApiGatewayManagementApiClient, PostToConnectionCommand, GoneException } from '@aws-sdk/client-apigatewaymanagementapi'

export const handler = async (event: any) => {
  const { domainName, stage, connectionId } = event.requestContext
  if (event.requestContext.eventType !== 'MESSAGE') return { statusCode: 200 }
  const client = new ApiGatewayManagementApiClient({ endpoint: \`https://\${domainName}/\${stage}\` })
  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'echo:' + event.body }))
  try {
    await client.send(new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }))
  } catch (error) {
    if (error instanceof GoneException) {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'gone:' + error.name }))
    }
  }
  return { statusCode: 200 }
}
`

describe('plain handlers, unchanged', () => {
  it('an SDK v3 handler posting to https://{domainName}/{stage} reaches the gateway', async () => {
    const dir = project({ 'handler.ts': SDK_HANDLER, 'package.json': '{"type":"module"}' })
    const { server, lines } = await dev({ entry: join(dir, 'handler.ts') })
    expect(server.gateway.httpsEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/dev$/)
    const c = await connected(server.gateway.url)
    c.ws.send('hi')
    expect((await c.next(20_000)).data).toBe('echo:hi')
    expect((await c.next(20_000)).data).toBe('gone:GoneException')
    // Over the wire (https), not the in-process shortcut.
    expect(lines.some((l) => /MANAGE\s+POST @connections\s/.test(l))).toBe(true)
  })

  // SDK v2, as AWS's v2 sample writes it: the endpoint without a scheme (https), the stage
  // in its path; then the execute-api name.
  it('an SDK v2 handler posting to {domainName}/{stage} and the execute-api name reaches the gateway', async () => {
    const dir = project({
      'handler.js': `
const AWS = require('aws-sdk')
exports.handler = async (event) => {
  const { domainName, stage, connectionId, eventType } = event.requestContext
  if (eventType !== 'MESSAGE') return { statusCode: 200 }
  const api = new AWS.ApiGatewayManagementApi({ apiVersion: '2018-11-29', endpoint: domainName + '/' + stage })
  await api.postToConnection({ ConnectionId: connectionId, Data: 'v2:' + event.body }).promise()
  try {
    await api.postToConnection({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }).promise()
  } catch (error) {
    await api.postToConnection({ ConnectionId: connectionId, Data: 'gone:' + error.code + ':' + error.statusCode }).promise()
  }
  const https = new AWS.ApiGatewayManagementApi({ endpoint: 'https://' + domainName + '/' + stage })
  await https.postToConnection({ ConnectionId: connectionId, Data: 'https:' + event.body }).promise()
  const aws = new AWS.ApiGatewayManagementApi({
    endpoint: event.requestContext.apiId + '.execute-api.' + process.env.AWS_REGION + '.amazonaws.com/' + stage,
  })
  await aws.postToConnection({ ConnectionId: connectionId, Data: 'execute-api:' + event.body }).promise()
  return { statusCode: 200 }
}
`,
      'package.json': '{"name":"v2-project"}',
    })
    const { server, lines } = await dev({ entry: join(dir, 'handler.js') })
    const c = await connected(server.gateway.url)
    c.ws.send('hi')
    expect((await c.next(30_000)).data).toBe('v2:hi')
    expect((await c.next(20_000)).data).toBe('gone:GoneException:410')
    expect((await c.next(20_000)).data).toBe('https:hi')
    expect((await c.next(20_000)).data).toBe('execute-api:hi')
    // Over the wire (https), not the in-process shortcut.
    expect(lines.filter((l) => /MANAGE\s+POST @connections\s/.test(l)).length).toBe(5)
  })

  it('the gateway sets the management endpoint for the handlers it runs (app.broadcast from an HTTP route)', async () => {
    const dir = project({
      'app.ts': `
import { App, MemoryConnectionStore } from ${JSON.stringify(join(process.cwd(), 'src/index.ts'))}
const app = new App({ logLevel: 'silent', connections: new MemoryConnectionStore() })
app.webSocket('$default', async () => ({ statusCode: 200 }))
app.post('/notify', async (ctx) => {
  await app.broadcast(ctx.req.json() as string[], 'notified')
  return ctx.text('', 204)
})
export const handler = app.handler
`,
      'package.json': '{"type":"module"}',
    })
    const { server } = await dev({ entry: join(dir, 'app.ts') })
    expect(server.gateway.handlerEnv).toMatchObject({
      SOCKETEER_MANAGEMENT_ENDPOINT: server.gateway.managementEndpoint,
      AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: server.gateway.managementEndpoint,
    })
    const c = await connected(server.gateway.url)
    const id = server.gateway.connections()[0]
    const res = await fetch(`${server.gateway.httpUrl}/dev/notify`, {
      method: 'POST',
      body: JSON.stringify([id]),
    })
    expect(res.status).toBe(204)
    expect((await c.next(20_000)).data).toBe('notified')
  })

  // Through the CLI process, as users run it (a test runner installs its own stack
  // formatting, which turns Node's source maps off).
  it.each([
    [
      'CommonJS',
      {
        'package.json': '{"name":"cjs-project"}',
        'tsconfig.json': '{"compilerOptions":{"module":"commonjs"}}',
      },
    ],
    ['ESM', { 'package.json': '{"type":"module"}' }],
  ])('a throwing handler’s logged stack names its file and line (%s)', async (_kind, extra) => {
    const dir = project({
      ...extra,
      'handler.ts': [
        'export const handler = async (event: { requestContext: { eventType: string } }) => {',
        "  if (event.requestContext.eventType !== 'CONNECT') return { statusCode: 200 }",
        "  throw new Error('no such user')",
        '}',
        '',
      ].join('\n'),
    })
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(process.cwd(), 'src/dev/cli.ts'),
        'dev',
        'handler.ts',
        '--port',
        '0',
        '--no-watch',
      ],
      { cwd: dir, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    )
    children.push(child)
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    const waitFor = async (pattern: RegExp) => {
      const until = Date.now() + 30_000
      while (Date.now() < until) {
        const m = out.match(pattern)
        if (m) return m
        await sleep(25)
      }
      throw new Error(`no output matching ${pattern}:\n${out}`)
    }
    const [, url] = await waitFor(/websocket\s+(ws:\/\/127\.0\.0\.1:\d+\/dev)/)
    expect(await refused(url!)).toBe('Unexpected server response: 502')
    const [line] = await waitFor(/CONNECT\s+\$connect\s+\S+\s+502[^\n]*\n[^\n]*\n/)
    expect(line).toContain('Error: no such user')
    expect(line).toMatch(
      new RegExp(`at handler \\((file://)?${dir.replace(/[.]/g, '\\.')}/handler\\.ts:3:9\\)`),
    )
    expect(out).not.toContain('data:text/javascript')
    expect(out).not.toContain('tsx-namespace')
  })
})
