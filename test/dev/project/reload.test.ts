// biome-ignore-all lint/suspicious/noTemplateCurlyInString: serverless.yml variables are what these tests read
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connect, startProject, waitFor } from './helpers.js'

// Hot reload watches the project file: a changed route or environment takes effect
// without dropping the open sockets.

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const yml = (greeting: string, extraRoute: boolean) =>
  [
    'service: reload',
    'provider:',
    '  name: aws',
    '  environment:',
    `    GREETING: ${greeting}`,
    'functions:',
    '  hello:',
    '    handler: app.hello',
    '    events:',
    '      - websocket: { route: hello, routeResponseSelectionExpression: $default }',
    ...(extraRoute
      ? [
          '  ping:',
          '    handler: app.ping',
          '    events:',
          '      - websocket: { route: ping, routeResponseSelectionExpression: $default }',
        ]
      : []),
    '',
  ].join('\n')

describe('hot reload of serverless.yml', () => {
  it('a new environment value and a new route, on the socket that stayed open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-reload-'))
    dirs.push(dir)
    writeFileSync(
      join(dir, 'app.mjs'),
      [
        "export const hello = async () => ({ statusCode: 200, body: 'greeting=' + process.env.GREETING })",
        "export const ping = async () => ({ statusCode: 200, body: 'pong' })",
        '',
      ].join('\n'),
    )
    const file = join(dir, 'serverless.yml')
    writeFileSync(file, yml('hi', false))
    const lines: string[] = []
    const dev = await startProject(
      { project: { kind: 'serverless', file }, watch: true, dynamodb: false },
      lines,
    )
    expect(dev.files()).toContain(file)
    const client = await connect(dev.gateway.url)
    const ws = client.ws!
    ws.send(JSON.stringify({ action: 'hello' }))
    await waitFor('the first answer', () => client.frames.length === 1)
    ws.send(JSON.stringify({ action: 'ping' }))
    // No ping route yet: API Gateway's "Forbidden" error frame for a route with no integration.
    await waitFor('the error frame', () => client.frames.length === 2)

    writeFileSync(file, yml('hello again', true))
    await waitFor('the reload', () => lines.some((l) => /RELOAD .*ok/.test(l)), 10_000)
    expect(lines.join('\n')).toMatch(/environment: GREETING changed/)
    ws.send(JSON.stringify({ action: 'hello' }))
    ws.send(JSON.stringify({ action: 'ping' }))
    await waitFor('two more answers', () => client.frames.length === 4)
    expect(client.frames[0]).toBe('greeting=hi')
    expect(client.frames[1]).toMatch(/Forbidden/)
    expect(client.frames.slice(2).sort()).toEqual(['greeting=hello again', 'pong'])
    expect(dev.gateway.connections()).toHaveLength(1)
  })

  it('a file included with ${file()} is watched too: a changed value there takes effect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-reload-'))
    dirs.push(dir)
    writeFileSync(
      join(dir, 'app.mjs'),
      "export const hello = async () => ({ statusCode: 200, body: 'greeting=' + process.env.GREETING })\n",
    )
    const file = join(dir, 'serverless.yml')
    const env = join(dir, 'env.yml')
    writeFileSync(file, yml('${file(./env.yml):greeting}', false))
    writeFileSync(env, 'greeting: hi from ${self:service}\n')
    const lines: string[] = []
    const dev = await startProject(
      { project: { kind: 'serverless', file }, watch: true, dynamodb: false },
      lines,
    )
    expect(dev.files()).toContain(env)
    const client = await connect(dev.gateway.url)
    client.ws!.send(JSON.stringify({ action: 'hello' }))
    await waitFor('the first answer', () => client.frames.length === 1)
    writeFileSync(env, 'greeting: changed in env.yml\n')
    await waitFor('the reload', () => lines.some((l) => /RELOAD .*ok/.test(l)), 10_000)
    expect(lines.join('\n')).toMatch(/environment: GREETING changed/)
    client.ws!.send(JSON.stringify({ action: 'hello' }))
    await waitFor('the second answer', () => client.frames.length === 2)
    expect(client.frames).toEqual(['greeting=hi from reload', 'greeting=changed in env.yml'])
    expect(dev.gateway.connections()).toHaveLength(1)
  })

  it('a reload that breaks the file keeps the previous configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-reload-'))
    dirs.push(dir)
    writeFileSync(
      join(dir, 'app.mjs'),
      "export const hello = async () => ({ statusCode: 200, body: 'still here' })\n",
    )
    const file = join(dir, 'serverless.yml')
    writeFileSync(file, yml('x', false))
    const lines: string[] = []
    const dev = await startProject(
      { project: { kind: 'serverless', file }, watch: true, dynamodb: false },
      lines,
    )
    const client = await connect(dev.gateway.url)
    writeFileSync(file, `${yml('x', false)}  broken: [\n`)
    await waitFor('the failed reload', () => lines.some((l) => /RELOAD .*failed/.test(l)), 10_000)
    expect(lines.join('\n')).toMatch(/serverless\.yml:\d+: not valid YAML/)
    client.ws!.send(JSON.stringify({ action: 'hello' }))
    await waitFor('the answer', () => client.frames.length === 1)
    expect(client.frames[0]).toBe('still here')
  })
})
