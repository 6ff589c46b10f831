import { describe, expect, it } from 'vitest'
import { createStreamerClient, GoneError } from '../../../src/index.js'
import { createSdkTransport } from '../../../src/streamer/transport/sdk.js'
import { createSigV4Transport } from '../../../src/streamer/transport/sigv4.js'
import type { Transport } from '../../../src/streamer/transport/types.js'
import { connected, recorder, start } from '../../dev/helpers.js'

// Both wire transports against the local gateway's HTTP @connections endpoint (a
// Transport object is passed, so the client does not take the in-process shortcut), and
// the default client, which does take it.

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const wires: Array<[string, (endpoint: string) => Transport]> = [
  ['sigv4', (endpoint) => createSigV4Transport({ endpoint, region: 'us-east-1', credentials })],
  ['sdk', (endpoint) => createSdkTransport({ endpoint, region: 'us-east-1', credentials })],
]

describe.each(wires)("the gateway's HTTP @connections endpoint, over the %s transport", (_name, make) => {
  it('post, get, delete; then Gone', async () => {
    const { gw, lines } = await start({ handler: recorder().handler })
    const c = await connected(gw.url)
    const [id] = gw.connections()
    const client = createStreamerClient({
      endpoint: gw.managementEndpoint,
      transport: make(gw.managementEndpoint),
    })
    await client.postToConnection(id!, { hello: 'world' })
    expect(await c.next()).toEqual({ data: '{"hello":"world"}', binary: false })
    await client.postToConnection(id!, new Uint8Array([0xff, 0, 1]))
    expect((await c.next()).binary).toBe(true)
    const info = await client.getConnection(id!)
    expect(info.connectionId).toBe(id)
    expect(info.connectedAt).toBeInstanceOf(Date)
    expect(info.sourceIp).toMatch(/127\.0\.0\.1/)
    await client.deleteConnection(id!)
    expect((await c.closed).code).toBe(1000)
    await expect(client.postToConnection(id!, 'late')).rejects.toBeInstanceOf(GoneError)
    // Over HTTP, not in process: the gateway logged the HTTP routes.
    expect(lines.some((l) => /POST @connections/.test(l))).toBe(true)
    expect(lines.some((l) => /in-process/.test(l))).toBe(false)
  })
})

describe('the default client inside the gateway process', () => {
  it('takes the in-process path, with no credentials needed', async () => {
    const { gw, lines } = await start({ handler: recorder().handler })
    const c = await connected(gw.url)
    const [id] = gw.connections()
    await createStreamerClient({ endpoint: gw.managementEndpoint }).postToConnection(id!, 'in process')
    expect(await c.next()).toEqual({ data: 'in process', binary: false })
    expect(lines.some((l) => /POST in-process/.test(l))).toBe(true)
  })
})
