import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { holdDummyCredentials } from '../../src/dev/management/credentials.js'

// Dummy credentials only when nothing else provides any, and only while a gateway holds them.

const KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
]
let saved: Record<string, string | undefined>

beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]))
  for (const k of KEYS) delete process.env[k]
  const empty = mkdtempSync(join(tmpdir(), 'socketeer-creds-'))
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(empty, 'credentials')
  process.env.AWS_CONFIG_FILE = join(empty, 'config')
})
afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
})

describe('dummy credentials', () => {
  it('are set while held, and removed when the last holder releases', () => {
    const a = holdDummyCredentials()
    const b = holdDummyCredentials()
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('local')
    a?.()
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('local')
    b?.()
    expect(process.env.AWS_ACCESS_KEY_ID).toBeUndefined()
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBeUndefined()
  })

  it('never shadow a profile or real keys', () => {
    process.env.AWS_PROFILE = 'work'
    expect(holdDummyCredentials()).toBeUndefined()
    expect(process.env.AWS_ACCESS_KEY_ID).toBeUndefined()
    delete process.env.AWS_PROFILE
    process.env.AWS_ACCESS_KEY_ID = 'AKIAREAL'
    expect(holdDummyCredentials()).toBeUndefined()
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('AKIAREAL')
  })
})
