import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type DevServer, startDev } from '../../src/dev/index.js'
import { connected, sleep } from './helpers.js'

// Entries loaded from disk with tsx, and hot reload that keeps connections open.

const dirs: string[] = []
const servers: DevServer[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-dev-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const ENTRY = `
import { reply } from './reply.js'
export const handler = async (event: { requestContext: { eventType: string }; body?: string }) =>
  event.requestContext.eventType === 'MESSAGE' ? { statusCode: 200, body: reply(event.body ?? '') } : { statusCode: 200 }
`
const REPLY = (tag: string) => `export const reply = (body: string): string => '${tag}:' + body\n`

async function dev(options: Parameters<typeof startDev>[0]) {
  const lines: string[] = []
  const server = await startDev({ port: 0, logger: (l) => lines.push(l), ...options })
  servers.push(server)
  const waitForLine = async (pattern: RegExp, from = 0) => {
    const until = Date.now() + 5000
    while (Date.now() < until) {
      if (lines.slice(from).some((l) => pattern.test(l))) return
      await sleep(20)
    }
    throw new Error(`no line matching ${pattern} in:\n${lines.join('\n')}`)
  }
  return { server, lines, waitForLine }
}

describe('hot reload', () => {
  it.each([
    ['CommonJS', {}],
    ['ESM', { 'package.json': '{"type":"module"}' }],
  ])('reloads on a change to an imported file without dropping connections (%s)', async (_kind, extra) => {
    const dir = project({ 'entry.ts': ENTRY, 'reply.ts': REPLY('v1'), ...extra })
    const { server, lines, waitForLine } = await dev({ entry: join(dir, 'entry.ts'), routeResponses: true })
    expect(server.files().sort()).toEqual([join(dir, 'entry.ts'), join(dir, 'reply.ts')])
    const c = await connected(server.gateway.url)
    const [id] = server.gateway.connections()
    c.ws.send('a')
    expect((await c.next()).data).toBe('v1:a')

    const mark = lines.length
    writeFileSync(join(dir, 'reply.ts'), REPLY('v2'))
    await waitForLine(/RELOAD.*ok.*1 connection kept open/, mark)
    c.ws.send('b')
    expect((await c.next()).data).toBe('v2:b')
    expect(server.gateway.connections()).toEqual([id])

    // A broken edit keeps the previous handlers and the connection.
    const mark2 = lines.length
    writeFileSync(join(dir, 'reply.ts'), 'export const reply = (: broken')
    await waitForLine(/RELOAD.*failed.*keeping the previous handlers/, mark2)
    c.ws.send('c')
    expect((await c.next()).data).toBe('v2:c')
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })

  it('loads per-route entries from one module instance, so they share state', async () => {
    const dir = project({
      'routes.mjs': `
        let count = 0
        export const connect = async () => { count++; return { statusCode: 200 } }
        export const message = async () => ({ statusCode: 200, body: String(count) })
      `,
    })
    const file = join(dir, 'routes.mjs')
    const { server } = await dev({
      routes: { $connect: `${file}#connect`, $default: `${file}#message` },
      routeResponses: ['$default'],
      watch: false,
    })
    const a = await connected(server.gateway.url)
    await connected(server.gateway.url)
    a.ws.send('count?')
    expect((await a.next()).data).toBe('2')
  })

  it('takes an App as the default export and serves its custom routes', async () => {
    const dir = project({
      'app.ts': `
        import { App } from ${JSON.stringify(join(process.cwd(), 'src/index.ts'))}
        const app = new App({ logLevel: 'silent' })
        app.webSocket('whoami', (ctx) => ({ route: ctx.asWebSocket().routeKey }))
        export default app
      `,
    })
    const { server } = await dev({ entry: join(dir, 'app.ts'), routeResponses: ['whoami'], watch: false })
    const c = await connected(server.gateway.url)
    c.ws.send('{"action":"whoami"}')
    expect(JSON.parse((await c.next()).data)).toEqual({ route: 'whoami' })
  })

  it('says clearly when an entry exports no handler', async () => {
    const dir = project({ 'nothing.mjs': 'export const notAHandler = 1\n' })
    await expect(startDev({ entry: join(dir, 'nothing.mjs'), port: 0, logger: () => {} })).rejects.toThrow(
      /has no Lambda handler: expected a `handler` export/,
    )
  })
})
