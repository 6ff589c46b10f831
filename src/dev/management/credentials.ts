import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

// The SDK in a handler must sign its @connections calls, though the gateway checks no
// signature. When nothing provides credentials, dummy ones go into process.env while a
// gateway runs, and come out when the last such gateway closes. Real credentials (env,
// profile files, container or web identity) are never shadowed: env credentials come
// first in the SDK's chain and would hide them from every other AWS call in the process.

let holders = 0

function credentialsConfigured(): boolean {
  const env = process.env
  if (
    env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE
  ) {
    return true
  }
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'),
    env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'),
  ]
  return files.some((f) => existsSync(f))
}

/** Returns a release function when it set dummy credentials, else undefined. */
export function holdDummyCredentials(): (() => void) | undefined {
  if (holders === 0 && credentialsConfigured()) return undefined
  if (holders === 0) {
    process.env.AWS_ACCESS_KEY_ID = 'local'
    process.env.AWS_SECRET_ACCESS_KEY = 'local'
  }
  holders++
  let released = false
  return () => {
    if (released) return
    released = true
    holders--
    if (holders === 0 && process.env.AWS_ACCESS_KEY_ID === 'local') {
      delete process.env.AWS_ACCESS_KEY_ID
      delete process.env.AWS_SECRET_ACCESS_KEY
    }
  }
}
