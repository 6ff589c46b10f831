import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeCertificate } from '../../src/dev/gateway/tls.js'
import { recorder, start } from './helpers.js'

// The gateway's certificate is kept in the user's cache folder (private to them) and
// reused while it has more than a week left, so a start does not make one; a folder
// others can read or write is not used, and a kept one past its time is made again.

let cache: string
let before: string | undefined
beforeEach(() => {
  before = process.env.XDG_CACHE_HOME
  cache = mkdtempSync(join(tmpdir(), 'socketeer-cache-'))
  process.env.XDG_CACHE_HOME = cache
})
afterEach(() => {
  if (before === undefined) delete process.env.XDG_CACHE_HOME
  else process.env.XDG_CACHE_HOME = before
  rmSync(cache, { recursive: true, force: true })
})

const dir = () => join(cache, 'socketeer', 'tls')

describe('the certificate cache', () => {
  it('a second start reuses the kept certificate; the folder is the user’s alone', async () => {
    const first = await makeCertificate(['127.0.0.1'])
    const second = await makeCertificate(['127.0.0.1'])
    expect(second.cert).toBe(first.cert)
    expect(readFileSync(second.caFile, 'utf8')).toBe(readFileSync(first.caFile, 'utf8'))
    expect(statSync(dir()).mode & 0o777).toBe(0o700)
    const [kept] = readdirSync(dir())
    expect(statSync(join(dir(), kept!)).mode & 0o777).toBe(0o600)
    // The CA's private key is not kept.
    expect(Object.keys(JSON.parse(readFileSync(join(dir(), kept!), 'utf8'))).sort()).toEqual([
      'caCert',
      'cert',
      'key',
      'names',
      'notAfter',
    ])
    // Other names, another certificate.
    expect((await makeCertificate(['127.0.0.1', 'dev.example'])).cert).not.toBe(first.cert)
    first.dispose()
    second.dispose()
  })

  it('one within a week of expiring, or in a folder others can write, is not reused', async () => {
    const first = await makeCertificate([])
    const [kept] = readdirSync(dir())
    const file = join(dir(), kept!)
    const made = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({ ...made, notAfter: Date.now() + 24 * 3600_000 }))
    const renewed = await makeCertificate([])
    expect(renewed.cert).not.toBe(first.cert)
    chmodSync(dir(), 0o777)
    const a = await makeCertificate([])
    const b = await makeCertificate([])
    expect(b.cert).not.toBe(a.cert)
    for (const c of [first, renewed, a, b]) c.dispose()
  })

  it('a gateway started on a kept certificate answers https, trusted through its CA', async () => {
    await makeCertificate(['127.0.0.1']) // kept
    const { gw } = await start({ handler: recorder(() => ({ statusCode: 200, body: 'over tls' })).handler })
    const ca = readFileSync(gw.handlerEnv.NODE_EXTRA_CA_CERTS!, 'utf8')
    const body = await new Promise<string>((resolve, reject) => {
      request(`https://127.0.0.1:${gw.port}/dev/x`, { ca, agent: false }, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve(text))
      })
        .on('error', reject)
        .end()
    })
    expect(body).toBe('over tls')
  })
})
