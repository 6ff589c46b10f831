import { afterEach, describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import { deriveManagementEndpoint, normaliseEndpoint } from '../../src/streamer/endpoint.js'
import { regionFromHost } from '../../src/streamer/region.js'
import { harness } from '../app/helpers.js'
import { sample } from '../events/samples/index.js'

describe('deriveManagementEndpoint (semantics page, section 4)', () => {
  it('execute-api host: https://{domainName}/{stage}', () => {
    expect(deriveManagementEndpoint('dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com', 'prod')).toBe(
      'https://dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com/prod',
    )
    expect(deriveManagementEndpoint('abc123.execute-api.cn-north-1.amazonaws.com.cn', 'v1')).toBe(
      'https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1',
    )
  })

  it('custom domain: the root mapping by default, never the stage', () => {
    expect(deriveManagementEndpoint('chat.example.com', 'prod')).toBe('https://chat.example.com')
  })

  it('custom domain with a base path mapping: https://{domain}/{basePath}, slashes tidied', () => {
    for (const basePath of ['v1', '/v1', 'v1/', '/v1/']) {
      expect(deriveManagementEndpoint('chat.example.com', 'prod', { basePath })).toBe(
        'https://chat.example.com/v1',
      )
    }
    expect(deriveManagementEndpoint('chat.example.com', 'prod', { basePath: '/' })).toBe(
      'https://chat.example.com',
    )
  })

  it('an explicit endpoint wins, even over an execute-api host', () => {
    expect(
      deriveManagementEndpoint('dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com', 'prod', {
        endpoint: 'https://elsewhere.example.com/stage',
        basePath: 'ignored',
      }),
    ).toBe('https://elsewhere.example.com/stage')
  })

  it('a local gateway host is plain http with the stage', () => {
    expect(deriveManagementEndpoint('localhost:3001', 'local')).toBe('http://localhost:3001/local')
    expect(deriveManagementEndpoint('127.0.0.1:9000', 'dev')).toBe('http://127.0.0.1:9000/dev')
  })
})

describe('normaliseEndpoint', () => {
  it.each([
    [
      'wss://abc.execute-api.eu-west-1.amazonaws.com/prod',
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
    ],
    [
      'WSS://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
    ],
    ['ws://localhost:3001/local', 'http://localhost:3001/local'],
    ['https://chat.example.com/', 'https://chat.example.com'],
    ['chat.example.com/v1', 'https://chat.example.com/v1'],
    ['  https://x.example.com//  ', 'https://x.example.com'],
  ])('%s -> %s', (input, output) => {
    expect(normaliseEndpoint(input)).toBe(output)
  })

  it('refuses what is not a URL with a typed error', () => {
    expect(() => normaliseEndpoint('https://exa mple.com')).toThrow(AppError)
    expect(() => normaliseEndpoint('')).toThrow(/invalid management endpoint/)
  })
})

describe('regionFromHost', () => {
  it('reads the region of execute-api hosts and URLs only', () => {
    expect(regionFromHost('dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com')).toBe('ap-northeast-1')
    expect(regionFromHost('https://abc.execute-api.eu-west-1.amazonaws.com/prod')).toBe('eu-west-1')
    expect(regionFromHost('chat.example.com')).toBeUndefined()
    expect(regionFromHost('http://[bad')).toBeUndefined()
  })
})

describe('the endpoint the App sends through', () => {
  const saved = process.env.SOCKETEER_MANAGEMENT_ENDPOINT
  afterEach(() => {
    if (saved === undefined) delete process.env.SOCKETEER_MANAGEMENT_ENDPOINT
    else process.env.SOCKETEER_MANAGEMENT_ENDPOINT = saved
  })

  async function endpointFor(event: unknown, setup: Parameters<typeof harness>[0] = {}) {
    const h = harness(setup)
    h.open('R1kmxc2VNjMCFIA=')
    h.app.webSocket('$default', (ctx) => ctx.asWebSocket().send('x'))
    h.app.webSocket('sendmessage', (ctx) => ctx.asWebSocket().send('x'))
    await h.app.handler(event)
    expect(h.delivered).toHaveLength(1)
    return h.clients[0]!
  }

  it('derives it from an execute-api event, region from the host', async () => {
    expect(await endpointFor(sample('ws-message'))).toStrictEqual({
      endpoint: 'https://dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com/prod',
      region: 'ap-northeast-1',
    })
  })

  it('uses the custom domain root, or the configured base path, never the stage', async () => {
    const event = sample('ws-message-custom-route-authorized')
    expect((await endpointFor(event)).endpoint).toBe('https://chat.example.com')
    expect((await endpointFor(event, { basePath: 'chat' })).endpoint).toBe('https://chat.example.com/chat')
  })

  it('takes SOCKETEER_MANAGEMENT_ENDPOINT (normalised from wss://), and the option over it', async () => {
    process.env.SOCKETEER_MANAGEMENT_ENDPOINT = 'wss://env.example.com/prod/'
    expect((await endpointFor(sample('ws-message'))).endpoint).toBe('https://env.example.com/prod')
    expect(
      (await endpointFor(sample('ws-message'), { managementEndpoint: 'ws://localhost:4000/local' })).endpoint,
    ).toBe('http://localhost:4000/local')
  })

  it('uses the region option over the host, and AWS_REGION on a custom domain', async () => {
    expect((await endpointFor(sample('ws-message'), { region: 'eu-central-1' })).region).toBe('eu-central-1')
    const savedRegion = process.env.AWS_REGION
    process.env.AWS_REGION = 'sa-east-1'
    try {
      expect((await endpointFor(sample('ws-message-custom-route-authorized'))).region).toBe('sa-east-1')
    } finally {
      if (savedRegion === undefined) delete process.env.AWS_REGION
      else process.env.AWS_REGION = savedRegion
    }
  })
})

describe('endpoint cache', () => {
  it('follows a change to the same options object', () => {
    const options: { endpoint?: string; basePath?: string } = { basePath: 'chat' }
    expect(deriveManagementEndpoint('ws.example.com', 'prod', options)).toBe('https://ws.example.com/chat')
    options.basePath = 'v2'
    expect(deriveManagementEndpoint('ws.example.com', 'prod', options)).toBe('https://ws.example.com/v2')
    options.endpoint = 'wss://other.example.com/x'
    expect(deriveManagementEndpoint('ws.example.com', 'prod', options)).toBe('https://other.example.com/x')
  })
})
