import { StreamerValidationError } from '../errors.js'
import { CredentialsError } from './errors.js'
import type { AwsCredentials, AwsCredentialsProvider } from './types.js'

// Where the SigV4 transport's credentials come from, in this order:
// 1. a provider (or static credentials) the user passed: it wins;
// 2. the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which
//    is how Lambda hands a function its role: read with no SDK module loaded;
// 3. the SDK's own default chain (profiles, SSO, container and instance roles), imported
//    from @aws-sdk/credential-provider-node only when it is needed.
// Expiring credentials are fetched again before they expire, one fetch for all callers.

/** Fetched again this long before `expiration`, as the SDK does. */
const REFRESH_MARGIN_MS = 5 * 60_000

export interface CredentialSource {
  /** Credentials that are good now; may be synchronous (the environment) to save a tick. */
  get(): AwsCredentials | Promise<AwsCredentials>
}

function fromEnv(): AwsCredentials | undefined {
  const env = process.env
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey) return undefined
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined }
}

function check(c: unknown): AwsCredentials {
  const creds = c as AwsCredentials | undefined
  if (
    typeof creds?.accessKeyId !== 'string' ||
    creds.accessKeyId === '' ||
    typeof creds.secretAccessKey !== 'string' ||
    creds.secretAccessKey === ''
  ) {
    throw new CredentialsError('the credentials provider gave no accessKeyId and secretAccessKey')
  }
  return creds
}

/** Caches what `provider` gives until shortly before it expires; concurrent callers share one fetch. */
export function refreshing(provider: AwsCredentialsProvider, marginMs = REFRESH_MARGIN_MS): CredentialSource {
  let current: AwsCredentials | undefined
  let pending: Promise<AwsCredentials> | undefined
  const fresh = (c: AwsCredentials) =>
    c.expiration === undefined || c.expiration.getTime() - marginMs > Date.now()
  return {
    get() {
      if (current && fresh(current)) return current
      pending ??= Promise.resolve()
        .then(provider)
        .then(check)
        .then(
          (c) => {
            current = c
            pending = undefined
            return c
          },
          (error: unknown) => {
            pending = undefined
            throw error
          },
        )
      return pending
    },
  }
}

type NodeProviderModule = { defaultProvider: (init?: object) => AwsCredentialsProvider }

let chain: CredentialSource | undefined

function sdkChain(): CredentialSource {
  chain ??= refreshing(async () => {
    let mod: NodeProviderModule
    try {
      mod = (await import('@aws-sdk/credential-provider-node')) as NodeProviderModule
    } catch (cause) {
      chain = undefined
      throw new CredentialsError(
        'no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set, and @aws-sdk/credential-provider-node ' +
          '(for profiles, SSO, container and instance roles) is not installed; install it or pass `credentials`',
        { cause },
      )
    }
    const provider = mod.defaultProvider()
    // The chain itself is kept; only its answer is refreshed.
    chain = refreshing(provider)
    return chain.get()
  })
  return chain
}

/** The credentials for one transport: the user's provider, else the environment, else the SDK's chain. */
export function credentialSource(
  given: AwsCredentials | AwsCredentialsProvider | undefined,
): CredentialSource {
  if (typeof given === 'function') return refreshing(given)
  if (given !== undefined) {
    let fixed: AwsCredentials
    try {
      fixed = check(given)
    } catch {
      throw new StreamerValidationError(
        'credentials must be { accessKeyId, secretAccessKey, sessionToken? } or a function returning them',
      )
    }
    return { get: () => fixed }
  }
  return {
    // Looked up per request: a process (a test, the local gateway) may set them later.
    get: () => fromEnv() ?? sdkChain().get(),
  }
}
