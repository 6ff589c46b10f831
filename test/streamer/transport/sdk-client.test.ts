import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStreamerClient, GoneError, StreamerValidationError } from '../../../src/index.js'
import { aws, type Loopback, startLoopback, useDummyCredentials } from '../aws-loopback.js'

// The SDK transport one option away: an SDK client of the user's own is used as it is.

const ID = 'R1kmxc2VNjMCFIA='
let server: Loopback
beforeAll(async () => {
  useDummyCredentials()
  server = await startLoopback()
})
afterAll(() => server.close())

describe('sdkClient', () => {
  it("is used as it is (its own credentials), with socketeer's typed errors", async () => {
    const sdkClient = new ApiGatewayManagementApiClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other' },
    })
    const client = createStreamerClient({ endpoint: server.endpoint, sdkClient })
    await client.postToConnection(ID, 'x')
    expect(String(server.requests.at(-1)!.headers.authorization)).toContain('Credential=AKIDOTHER/')
    server.respond = () => aws.gone()
    await expect(client.postToConnection(ID, 'x')).rejects.toBeInstanceOf(GoneError)
  })

  it("cannot be combined with transport: 'sigv4', and a transport name must be known", () => {
    const sdkClient = new ApiGatewayManagementApiClient({ endpoint: server.endpoint, region: 'eu-west-1' })
    expect(() => createStreamerClient({ endpoint: server.endpoint, sdkClient, transport: 'sigv4' })).toThrow(
      StreamerValidationError,
    )
    expect(() => createStreamerClient({ endpoint: server.endpoint, transport: 'fetch' as never })).toThrow(
      /transport must be/,
    )
  })
})
