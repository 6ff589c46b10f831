import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi'
import { createStreamerClient, GoneError } from 'socketeer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type Gateway, startChat, until } from './harness.js'

// The gateway's @connections endpoint driven by the real AWS SDK for JavaScript v3
// (and socketeer's own streamer client over the SDK): typed exceptions, Dates, bytes.

const NEVER_CONNECTED = 'AAAAAAAAAAAAAAA='

describe('chat example: @connections through the AWS SDK v3', () => {
  let gw: Gateway
  let sdk: ApiGatewayManagementApiClient
  let alice: Client
  let aliceId: string
  let openedAt: number

  beforeAll(async () => {
    ;({ gw } = await startChat())
    sdk = new ApiGatewayManagementApiClient({
      endpoint: gw.managementEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    })
    openedAt = Date.now()
    alice = await Client.open(`${gw.url}?name=alice`, { headers: { 'User-Agent': 'e2e-agent/1.0' } })
    alice.send({ action: 'whoami' })
    aliceId = (await alice.nextOf('whoami')).connectionId
  })
  afterAll(async () => {
    sdk?.destroy()
    await alice?.close()
    await gw?.close()
  })

  it('posts raw bytes that arrive as one frame, unchanged', async () => {
    const out = await sdk.send(
      new PostToConnectionCommand({
        ConnectionId: aliceId,
        Data: new TextEncoder().encode('plain text, é ✓'),
      }),
    )
    expect(out.$metadata.httpStatusCode).toBe(200)
    await alice.next((f) => f.text === 'plain text, é ✓', 5_000, 'the posted text')
  })

  it('reaches any connection id the gateway hands out (ids are URL-encoded in the path)', async () => {
    const crowd = await Promise.all(Array.from({ length: 30 }, () => Client.open(gw.url)))
    try {
      const ids = crowd.map((c) => {
        c.send({ action: 'whoami' })
        return c.nextOf('whoami').then((w) => w.connectionId as string)
      })
      for (const [i, id] of (await Promise.all(ids)).entries()) {
        await sdk.send(
          new PostToConnectionCommand({ ConnectionId: id, Data: new TextEncoder().encode(`to ${id}`) }),
        )
        await crowd[i]!.next((f) => f.text === `to ${id}`, 5_000, `the post to ${id}`)
      }
    } finally {
      await Promise.all(crowd.map((c) => c.close()))
    }
  })

  it('returns getConnection with Dates and the identity of the socket', async () => {
    const out = await sdk.send(new GetConnectionCommand({ ConnectionId: aliceId }))
    expect(out.ConnectedAt).toBeInstanceOf(Date)
    expect(out.LastActiveAt).toBeInstanceOf(Date)
    // RFC 3339 has whole or milli seconds: allow one second of rounding either side.
    expect(out.ConnectedAt!.getTime()).toBeGreaterThanOrEqual(openedAt - 1_000)
    expect(out.ConnectedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1_000)
    expect(out.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(out.ConnectedAt!.getTime())
    expect(out.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'e2e-agent/1.0' })
  })

  it('raises a typed GoneException for an id that never connected', async () => {
    const error = await sdk
      .send(new PostToConnectionCommand({ ConnectionId: NEVER_CONNECTED, Data: new Uint8Array([104, 105]) }))
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(error).toBeInstanceOf(GoneException)
    expect((error as GoneException).$metadata.httpStatusCode).toBe(410)
    const onGet = await sdk.send(new GetConnectionCommand({ ConnectionId: NEVER_CONNECTED })).catch((e) => e)
    expect(onGet).toBeInstanceOf(GoneException)
  })

  it('socketeer streamer client on the same endpoint: broadcast reaches, gone is typed', async () => {
    const streamer = createStreamerClient({
      endpoint: gw.managementEndpoint,
      region: 'us-east-1',
      clientConfig: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    })
    const result = await streamer.broadcast([aliceId, NEVER_CONNECTED], {
      type: 'notice',
      text: 'via streamer',
    })
    expect(result).toMatchObject({ sent: [aliceId], gone: [NEVER_CONNECTED], failed: [] })
    await alice.nextOf('notice', { text: 'via streamer' })
    await expect(streamer.postToConnection(NEVER_CONNECTED, 'x')).rejects.toBeInstanceOf(GoneError)
  })

  it('deletes a connection: the client sees 1000, later calls are GoneException', async () => {
    const out = await sdk.send(new DeleteConnectionCommand({ ConnectionId: aliceId }))
    expect(out.$metadata.httpStatusCode).toBe(204)
    const closed = await alice.closed
    expect(closed.code).toBe(1000)
    await until(() => !gw.connections().includes(aliceId), 5_000, 'alice removed')
    const error = await sdk
      .send(new PostToConnectionCommand({ ConnectionId: aliceId, Data: new Uint8Array([1]) }))
      .catch((e) => e)
    expect(error).toBeInstanceOf(GoneException)
  })
})
