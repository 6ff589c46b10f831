// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the handler's source is text here
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { bannerLines } from '../../../src/dev/banner.js'
import { readProject } from '../../../src/dev/project/detect.js'
import { connect, startProject } from './helpers.js'

// serverless-offline's `custom.serverless-offline.httpPort`: its HTTP routes are on that
// port (3000 by default there), its WebSockets on websocketPort. A client pointed at the
// httpPort keeps working: the HTTP routes answer there too.

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function project(offline: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-http-port-'))
  dirs.push(dir)
  writeFileSync(
    join(dir, 'app.mjs'),
    [
      'export const connect = async () => ({ statusCode: 200 })',
      'export const broadcast = async (event) => ({ statusCode: 200, body: `sent to ${event.pathParameters.topic} via ${event.requestContext.domainName}` })',
      '',
    ].join('\n'),
  )
  const file = join(dir, 'serverless.yml')
  writeFileSync(
    file,
    [
      'service: ports',
      'provider:',
      '  name: aws',
      '  stage: development',
      'custom:',
      '  serverless-offline:',
      ...offline.map((line) => `    ${line}`),
      'functions:',
      '  connect:',
      '    handler: app.connect',
      '    events:',
      '      - websocket: $connect',
      '  broadcast:',
      '    handler: app.broadcast',
      '    events:',
      '      - http:',
      "          path: 'broadcast/{topic}'",
      '          method: post',
      '          cors: true',
      '',
    ].join('\n'),
  )
  return file
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

describe('custom.serverless-offline.httpPort', () => {
  it('is read as the gateway option; a value that is not a port is an error at its line', async () => {
    const { options, summary } = await readProject({
      kind: 'serverless',
      file: project(['httpPort: 3000', 'websocketPort: 3001']),
    })
    expect([options.httpPort, options.port]).toEqual([3000, 3001])
    expect(summary.notes).toEqual([])
    const none = await readProject({ kind: 'serverless', file: project(['websocketPort: 3001']) })
    expect(none.options.httpPort).toBeUndefined()
    await expect(readProject({ kind: 'serverless', file: project(['httpPort: web']) })).rejects.toThrow(
      /serverless\.yml:7: custom\.serverless-offline\.httpPort must be a port number, not "web"/,
    )
  })

  it('the HTTP routes answer on httpPort and on the WebSocket port, with their CORS; the banner shows both', async () => {
    const httpPort = await freePort()
    const dev = await startProject({
      project: { kind: 'serverless', file: project([`httpPort: ${httpPort}`]) },
      dynamodb: false,
    })
    expect(dev.gateway.httpPortUrl).toBe(`http://127.0.0.1:${httpPort}`)
    const answers: [number, string, string | null][] = []
    for (const base of [dev.gateway.httpPortUrl!, dev.gateway.httpUrl]) {
      const res = await fetch(`${base}/development/broadcast/comments`, { method: 'POST', body: '{}' })
      answers.push([res.status, await res.text(), null])
      const preflight = await fetch(`${base}/broadcast/comments`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
      })
      answers.push([
        preflight.status,
        await preflight.text(),
        preflight.headers.get('access-control-allow-origin'),
      ])
    }
    expect(answers).toEqual([
      [200, `sent to comments via 127.0.0.1:${httpPort}`, null],
      [200, '', '*'],
      [200, `sent to comments via 127.0.0.1:${dev.gateway.port}`, null],
      [200, '', '*'],
    ])
    // WebSockets stay on the gateway's port.
    expect((await connect(dev.gateway.url)).ws).toBeDefined()
    const http = bannerLines(dev, { watch: false }).find((l) => l.label === 'http')
    expect(http?.value).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${httpPort} and http://127\\.0\\.0\\.1:${dev.gateway.port} \\(`),
    )
  })

  it('without httpPort there is one port, as before', async () => {
    const dev = await startProject({
      project: { kind: 'serverless', file: project(['websocketPort: 3001']) },
      dynamodb: false,
    })
    expect(dev.gateway.httpPortUrl).toBeUndefined()
    const http = bannerLines(dev, { watch: false }).find((l) => l.label === 'http')
    expect(http?.value).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${dev.gateway.port} \\(`))
  })
})
