import { describe, expect, it } from 'vitest'
import { signRequest } from '../../../src/streamer/transport/sigv4.js'
import { checkSignature, type SeenRequest } from '../aws-loopback.js'

// The SigV4 transport signs with the `aws4` package. Two independent checks:
// 1. known answers from AWS's own SigV4 test suite (aws-sig-v4-test-suite, the
//    2015-08-30 vectors AWS published with its Signature Version 4 documentation);
// 2. the AWS SDK's signer (@smithy/signature-v4) recomputing the signature of a real
//    @connections request (id with `=` in the path, a body, a session token).

// AWS's example credentials from that suite.
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  host: 'example.amazonaws.com',
  date: '20150830T123600Z',
}

// name → [method, path, Authorization header AWS publishes for it]
const VECTORS: Array<[string, string, string, string]> = [
  [
    'get-vanilla',
    'GET',
    '/',
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  ],
  [
    'post-vanilla',
    'POST',
    '/',
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  ],
  [
    'get-unreserved',
    'GET',
    '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  ],
]

describe("AWS's SigV4 test suite", () => {
  for (const [name, method, path, authorization] of VECTORS) {
    it(`${name}: the published Authorization header`, async () => {
      const headers = await signRequest({
        method,
        host: SUITE.host,
        path,
        region: SUITE.region,
        service: SUITE.service,
        credentials: SUITE.credentials,
        headers: { 'X-Amz-Date': SUITE.date },
      })
      expect(headers.Authorization).toBe(authorization)
    })
  }
})

describe('against the AWS SDK signer', () => {
  const credentials = {
    accessKeyId: 'AKIDSOCKETEERTEST',
    secretAccessKey: 'socketeer-test-secret',
    sessionToken: 'token/with+odd=chars',
  }
  async function signed(body: Buffer): Promise<SeenRequest> {
    const path = '/prod/@connections/R1kmxc2VNjMCFIA%3D'
    const headers = await signRequest({
      method: 'POST',
      host: '127.0.0.1:4001',
      path,
      body,
      region: 'eu-west-1',
      credentials,
      headers: { 'Content-Type': 'application/octet-stream' },
    })
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
    return { method: 'POST', path, headers: lower, body, socket: 1 }
  }

  it('a POST with a body and a session token verifies', async () => {
    const req = await signed(Buffer.from('{"hello":"world"}'))
    expect(req.headers['x-amz-security-token']).toBe(credentials.sessionToken)
    expect(String(req.headers.authorization)).toMatch(/SignedHeaders=[^,]*x-amz-security-token/)
    expect(await checkSignature(req)).toBeUndefined()
  })

  it('the checker refuses a request altered after signing (it can fail)', async () => {
    const req = await signed(Buffer.from('{"hello":"world"}'))
    const tampered = { ...req, body: Buffer.from('{"hello":"World"}') }
    expect(await checkSignature(tampered)).toMatchObject({
      status: 403,
      headers: { 'x-amzn-ErrorType': 'InvalidSignatureException' },
    })
    const otherPath = { ...req, path: '/prod/@connections/other' }
    expect((await checkSignature(otherPath))?.status).toBe(403)
  })
})
