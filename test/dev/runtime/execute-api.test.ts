import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type DevServer, startDev } from '../../../src/dev/index.js'
import { connected } from '../helpers.js'

// The other endpoint form AWS's samples use, built from the event's apiId and the
// function's region: `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. That
// exact name (port 443) leads to the gateway from the handlers it runs, a Python worker
// and a Node handler in its process; no other name does.

vi.setConfig({ testTimeout: 60_000 })

const dirs: string[] = []
const servers: DevServer[] = []
afterEach(async () => {
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
  return { server, lines }
}

const manageLines = (lines: string[]) => lines.filter((l) => /MANAGE\s+POST @connections\s/.test(l))

const boto3 = spawnSync('python3', ['-c', 'import boto3'], { timeout: 30_000 }).status === 0
if (!boto3)
  console.warn(
    'SKIPPED: execute-api endpoint from Python: python3 with boto3 not found (apt-get install python3-boto3)',
  )

const PY_HANDLER = `
import json, os, socket
import boto3

def handler(event, context):
    ctx = event["requestContext"]
    if ctx["eventType"] != "MESSAGE":
        return {"statusCode": 200}
    region = os.environ["AWS_REGION"]
    # As AWS's samples build it.
    endpoint = "https://%s.execute-api.%s.amazonaws.com/%s" % (ctx["apiId"], region, ctx["stage"])
    client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    client.post_to_connection(ConnectionId=ctx["connectionId"], Data=("py:" + event["body"]).encode())
    try:
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
    except client.exceptions.GoneException:
        client.post_to_connection(ConnectionId=ctx["connectionId"], Data=b"gone:GoneException")
    # Where other names lead: resolved as before (an error here, or AWS's addresses), never the gateway.
    own = "%s.execute-api.%s.amazonaws.com" % (ctx["apiId"], region)
    probes = {
        "own:443": (own, 443),
        "own:8443": (own, 8443),
        "other-api": ("otherapi99.execute-api.%s.amazonaws.com" % region, 443),
        "other-region": ("%s.execute-api.eu-north-1.amazonaws.com" % ctx["apiId"], 443),
        "suffix": (own + ".example", 443),
    }
    seen = {}
    for key, (host, port) in probes.items():
        try:
            seen[key] = sorted(set("%s:%s" % (a[4][0], a[4][1]) for a in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)))
        except socket.gaierror:
            seen[key] = "unresolved"
    client.post_to_connection(ConnectionId=ctx["connectionId"], Data=json.dumps(seen).encode())
    return {"statusCode": 200}
`

// SDK v3 in the gateway's process: the sample's shape, unchanged.
const NODE_HANDLER = `
import { ApiGatewayManagementApiClient, PostToConnectionCommand, GoneException } from '@aws-sdk/client-apigatewaymanagementapi'

export const handler = async (event: any) => {
  const { apiId, stage, connectionId, eventType } = event.requestContext
  if (eventType !== 'MESSAGE') return { statusCode: 200 }
  const endpoint = \`https://\${apiId}.execute-api.\${process.env.AWS_REGION}.amazonaws.com/\${stage}\`
  const client = new ApiGatewayManagementApiClient({ endpoint })
  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'node:' + event.body }))
  try {
    await client.send(new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' }))
  } catch (error) {
    if (error instanceof GoneException)
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'gone:' + error.name }))
  }
  return { statusCode: 200 }
}
`

describe('https://{apiId}.execute-api.{region}.amazonaws.com/{stage}', () => {
  it('events carry an apiId shaped as AWS’s, and the gateway’s own name', async () => {
    const dir = project({
      'handler.mjs': `export const handler = async (event) => {
  if (event.requestContext.eventType === 'CONNECT') globalThis.__seen = event.requestContext
  return { statusCode: 200 }
}`,
    })
    const { server } = await dev({ entry: join(dir, 'handler.mjs') })
    await connected(server.gateway.url)
    const rc = (globalThis as any).__seen
    expect(rc.apiId).toMatch(/^[a-z0-9]{10}$/)
    expect(rc.domainName).toBe(`127.0.0.1:${server.gateway.port}`)
  })

  it.skipIf(!boto3)(
    'boto3 in a Python worker reaches the gateway through that name; no other name does',
    async () => {
      const dir = project({ 'handler.py': PY_HANDLER })
      const { server, lines } = await dev({ entry: join(dir, 'handler.py') })
      const c = await connected(server.gateway.url)
      c.ws.send('hi')
      expect((await c.next(30_000)).data).toBe('py:hi')
      expect((await c.next(20_000)).data).toBe('gone:GoneException')
      const seen = JSON.parse(String((await c.next(20_000)).data))
      const gateway = `127.0.0.1:${server.gateway.port}`
      expect(seen['own:443']).toEqual([gateway])
      for (const key of ['own:8443', 'other-api', 'other-region', 'suffix']) {
        if (seen[key] !== 'unresolved') expect(seen[key]).not.toContain(gateway)
      }
      // Over https to the gateway, under AWS's name.
      expect(manageLines(lines).length).toBeGreaterThanOrEqual(3)
    },
  )

  it('SDK v3 in a Node handler reaches the gateway through that name', async () => {
    const dir = project({ 'handler.ts': NODE_HANDLER, 'package.json': '{"type":"module"}' })
    const { server, lines } = await dev({ entry: join(dir, 'handler.ts') })
    const c = await connected(server.gateway.url)
    c.ws.send('hi')
    expect((await c.next(20_000)).data).toBe('node:hi')
    expect((await c.next(20_000)).data).toBe('gone:GoneException')
    expect(manageLines(lines).length).toBe(3)
  })

  it('socketeer’s own streamer client in a Node handler reaches the gateway through that name', async () => {
    const dir = project({
      'handler.ts': `
import { createStreamerClient } from ${JSON.stringify(join(process.cwd(), 'src/index.ts'))}
export const handler = async (event: any) => {
  const { apiId, stage, connectionId, eventType } = event.requestContext
  if (eventType !== 'MESSAGE') return { statusCode: 200 }
  const client = createStreamerClient({
    endpoint: \`https://\${apiId}.execute-api.\${process.env.AWS_REGION}.amazonaws.com/\${stage}\`,
  })
  await client.postToConnection(connectionId, 'streamer:' + event.body)
  return { statusCode: 200 }
}
`,
      'package.json': '{"type":"module"}',
    })
    const { server, lines } = await dev({ entry: join(dir, 'handler.ts') })
    const c = await connected(server.gateway.url)
    c.ws.send('hi')
    expect((await c.next(20_000)).data).toBe('streamer:hi')
    expect(manageLines(lines).length).toBe(1)
  })

  it('in this process, only that name on port 443 leads to the gateway', async () => {
    const dir = project({ 'handler.mjs': 'export const handler = async () => ({ statusCode: 200 })' })
    const { server } = await dev({ entry: join(dir, 'handler.mjs') })
    const region = server.gateway.handlerEnv.AWS_REGION
    const own = `localapi01.execute-api.${region}.amazonaws.com`
    // A lookup that refuses and records: a connection that goes where its name resolves asks it first.
    const attempt = (host: string, port: number, path = '/dev/@connections/AAAAAAAAAAAAAAA=') =>
      new Promise<{ status?: number; lookedUp: string[]; error?: string }>((resolve) => {
        const lookedUp: string[] = []
        const req = https.request(
          {
            host,
            port,
            path,
            method: 'GET',
            agent: new https.Agent(),
            lookup: ((name: string, _o: unknown, cb: (e: Error) => void) => {
              lookedUp.push(name)
              cb(Object.assign(new Error('refused by the test'), { code: 'ENOTFOUND' }))
            }) as any,
          },
          (res) => {
            res.resume()
            resolve({ status: res.statusCode, lookedUp })
          },
        )
        req.on('error', (e) => resolve({ error: e.message, lookedUp }))
        req.end()
      })
    const ok = await attempt(own, 443)
    expect(ok).toEqual({ status: 410, lookedUp: [] })
    for (const [host, port] of [
      [`otherapi99.execute-api.${region}.amazonaws.com`, 443],
      [`localapi01.execute-api.eu-north-1.amazonaws.com`, 443],
      [own, 8443],
      [`${own}.example`, 443],
    ] as const) {
      const out = await attempt(host, port)
      expect(out).toEqual({ error: 'refused by the test', lookedUp: [host] })
    }
    // After close the name resolves as before here too.
    await server.close()
    servers.length = 0
    expect(await attempt(own, 443)).toEqual({ error: 'refused by the test', lookedUp: [own] })
  })

  it('a Host naming another execute-api API is refused', async () => {
    const dir = project({ 'handler.mjs': 'export const handler = async () => ({ statusCode: 200 })' })
    const { server } = await dev({ entry: join(dir, 'handler.mjs') })
    const status = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const req = http.request(
          `${server.gateway.managementEndpoint}/@connections/AAAAAAAAAAAAAAA=`,
          { headers: { host } },
          (res) => {
            res.resume()
            resolve(res.statusCode)
          },
        )
        req.on('error', reject)
        req.end()
      })
    expect(await status('otherapi99.execute-api.us-east-1.amazonaws.com')).toBe(403)
    expect(await status(`localapi01.execute-api.${server.gateway.handlerEnv.AWS_REGION}.amazonaws.com`)).toBe(
      410,
    )
  })
})
