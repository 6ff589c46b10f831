import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStreamerClient } from '../../../src/index.js'
import { checkSignature, type SeenRequest, useDummyCredentials } from '../aws-loopback.js'

// The SigV4 transport over https, as on AWS: one TLS connection reused across sends
// (keep-alive), and a new connection after the server drops one resumes the TLS
// session. A self-signed certificate made with openssl for 127.0.0.1; without openssl
// the test says SKIPPED.

const ID = 'R1kmxc2VNjMCFIA='
const dir = mkdtempSync(join(tmpdir(), 'socketeer-tls-'))
const made = spawnSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ],
  { encoding: 'utf8' },
)
const haveOpenssl = made.status === 0
if (!haveOpenssl) console.log('SKIPPED: openssl not found; the https transport test needs a certificate')

let server: https.Server
let port = 0
const seen: Array<{ socket: TLSSocket; reused: boolean; signature: unknown }> = []

beforeAll(async () => {
  if (!haveOpenssl) return
  useDummyCredentials()
  server = https.createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', async () => {
        const r: SeenRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
          socket: 0,
        }
        const socket = req.socket as TLSSocket
        seen.push({ socket, reused: socket.isSessionReused(), signature: await checkSignature(r) })
        res.writeHead(200, { 'x-amzn-RequestId': 'tls' })
        res.end()
      })
    },
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  if (haveOpenssl) await new Promise((r) => server.close(r))
  rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(!haveOpenssl)('the SigV4 transport over https', () => {
  it('signs, keeps one TLS connection for sequential sends, resumes the session after a drop', async () => {
    const agent = new https.Agent({ keepAlive: true, ca: readFileSync(join(dir, 'cert.pem')) })
    const client = createStreamerClient({
      endpoint: `https://127.0.0.1:${port}/prod`,
      region: 'eu-west-1',
      agent,
    })
    for (let i = 0; i < 20; i++) await client.postToConnection(ID, `m${i}`)
    expect(seen).toHaveLength(20)
    expect(seen.every((s) => s.signature === undefined)).toBe(true)
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1)
    expect(seen[0]!.reused).toBe(false)
    // The server drops the connection (as an idle timeout would): the next send opens a
    // new one and resumes the TLS session instead of a full handshake.
    seen[0]!.socket.destroy()
    await new Promise((r) => setTimeout(r, 50))
    await client.postToConnection(ID, 'after the drop')
    expect(seen).toHaveLength(21)
    expect(seen[20]!.socket).not.toBe(seen[0]!.socket)
    expect(seen[20]!.reused).toBe(true)
    expect(seen[20]!.signature).toBeUndefined()
    agent.destroy()
  })
})
