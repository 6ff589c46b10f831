// The SigV4 transport's own errors (its answers from AWS are classified in classify.ts).

/** The credentials for signing could not be had (named as the SDK names its own). */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsProviderError'
}
