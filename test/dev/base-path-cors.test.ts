import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi'
import { describe, expect, it } from 'vitest'
import { App } from '../../src/index.js'
import { connected, recorder, refused, sdk, start } from './helpers.js'

// Stage-less mode (a custom domain's root mapping) and the gateway's CORS option.

describe('basePath', () => {
  it("'' serves the WebSocket API and @connections at the root; /{stage} keeps working", async () => {
    const rec = recorder()
    const { gw } = await start({ handler: rec.handler, basePath: '' })
    expect(gw.url).toBe(`ws://127.0.0.1:${gw.port}`)
    const root = await connected(gw.url)
    const staged = await connected(`ws://127.0.0.1:${gw.port}/dev`)
    // Events still carry the stage, as behind a custom domain.
    expect(rec.events[0].requestContext.stage).toBe('dev')
    const [rootId, stagedId] = gw.connections()
    await sdk(gw.httpUrl).send(new PostToConnectionCommand({ ConnectionId: rootId, Data: 'via root' }))
    await sdk(gw.managementEndpoint).send(
      new PostToConnectionCommand({ ConnectionId: stagedId, Data: 'via stage' }),
    )
    expect((await root.next()).data).toBe('via root')
    expect((await staged.next()).data).toBe('via stage')
  })

  it('connectionsWithoutStage: @connections also at the root, clients still at /{stage}; with a base path, at both', async () => {
    const { gw } = await start({ handler: recorder().handler, connectionsWithoutStage: true })
    expect(gw.url).toBe(`ws://127.0.0.1:${gw.port}/dev`)
    expect(await refused(`ws://127.0.0.1:${gw.port}`)).toBe('Unexpected server response: 403')
    const c = await connected(gw.url)
    const [id] = gw.connections()
    await sdk(gw.httpUrl).send(new PostToConnectionCommand({ ConnectionId: id, Data: 'stage-less' }))
    expect((await c.next()).data).toBe('stage-less')

    const both = await start({
      handler: recorder().handler,
      basePath: '/chat',
      connectionsWithoutStage: true,
    })
    const m = await connected(both.gw.url)
    const [mid] = both.gw.connections()
    await sdk(both.gw.httpUrl).send(new PostToConnectionCommand({ ConnectionId: mid, Data: 'root' }))
    await sdk(`${both.gw.httpUrl}/chat`).send(
      new PostToConnectionCommand({ ConnectionId: mid, Data: 'mapped' }),
    )
    expect((await m.next()).data).toBe('root')
    expect((await m.next()).data).toBe('mapped')
  })

  it('a mapping path serves there', async () => {
    const { gw } = await start({ handler: recorder().handler, basePath: 'chat/' })
    expect(gw.url).toBe(`ws://127.0.0.1:${gw.port}/chat`)
    await connected(gw.url)
    expect(await refused(`ws://127.0.0.1:${gw.port}/other`)).toBe('Unexpected server response: 403')
  })

  it('refuses a bad path, and the 403 log line says which URL to use', async () => {
    const { gw, waitForLine } = await start({ handler: recorder().handler })
    expect(await refused(`ws://127.0.0.1:${gw.port}`)).toBe('Unexpected server response: 403')
    const line = await waitForLine(/CONNECT.*403/)
    expect(line).toContain(`no WebSocket API at /: connect to ws://127.0.0.1:${gw.port}/dev`)
    expect(line).toContain("--base-path ''")
    await expect(start({ handler: recorder().handler, basePath: '/a b' })).rejects.toThrow(
      /basePath must be a URL path/,
    )
  })
})

describe('the gateway’s cors option', () => {
  it('answers preflights itself and adds CORS headers to every answer; the function’s own win', async () => {
    const rec = recorder((event) =>
      event.path === '/own'
        ? { statusCode: 200, headers: { 'access-control-allow-origin': 'https://mine.example' }, body: 'own' }
        : { statusCode: 200, body: 'ok' },
    )
    const { gw } = await start({ handler: rec.handler, cors: true })
    const pre = await fetch(`${gw.httpUrl}/dev/posts`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, PUT, PATCH, POST, DELETE')
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type,authorization')
    expect(rec.events).toHaveLength(0)
    const get = await fetch(`${gw.httpUrl}/posts`, { headers: { origin: 'https://app.example' } })
    expect(get.headers.get('access-control-allow-origin')).toBe('*')
    const own = await fetch(`${gw.httpUrl}/own`, { headers: { origin: 'https://app.example' } })
    expect(own.headers.get('access-control-allow-origin')).toBe('https://mine.example')
  })

  it('with a list of origins, echoes a listed one and adds nothing for others', async () => {
    const { gw } = await start({
      handler: recorder().handler,
      cors: { origin: ['https://app.example'], credentials: true, maxAge: 600 },
    })
    const ask = (origin: string) =>
      fetch(`${gw.httpUrl}/x`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      })
    const listed = await ask('https://app.example')
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true')
    expect(listed.headers.get('access-control-max-age')).toBe('600')
    expect(listed.headers.get('vary')).toBe('Origin')
    const other = await ask('https://evil.example')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('without it, a preflight reaches the function (as before)', async () => {
    const app = new App().post('/posts', () => 'made')
    const { gw } = await start({ handler: app.handler })
    const pre = await fetch(`${gw.httpUrl}/posts`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    })
    expect(pre.status).toBe(405)
  })
})
