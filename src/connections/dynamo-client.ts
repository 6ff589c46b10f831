// Loading the DynamoDB SDK on first use, and the batch write every store operation
// that touches two items goes through. Kept apart so dynamo.ts reads as the protocol.

type ClientSdk = typeof import('@aws-sdk/client-dynamodb')
type DocSdk = typeof import('@aws-sdk/lib-dynamodb')
export type DocClient = import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient

let sdkPromise: Promise<{ client: ClientSdk; doc: DocSdk }> | undefined

/** Imports the optional peer dependencies on the first store call, never at module load. */
export function loadSdk(): Promise<{ client: ClientSdk; doc: DocSdk }> {
  sdkPromise ??= Promise.all([import('@aws-sdk/client-dynamodb'), import('@aws-sdk/lib-dynamodb')]).then(
    ([client, doc]) => ({ client, doc }),
    (error: unknown) => {
      sdkPromise = undefined
      throw new Error(
        'DynamoConnectionStore needs @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb installed (optional peer dependencies of socketeer)',
        { cause: error },
      )
    },
  )
  return sdkPromise
}

/** Anything with the SDK client's `send` (a DynamoDBClient you configured yourself). */
export interface DynamoClientLike {
  send(command: any, options?: any): Promise<any>
}

export async function makeDocClient(
  client: DynamoClientLike | undefined,
  clientConfig: Record<string, unknown> | undefined,
): Promise<DocClient> {
  const sdk = await loadSdk()
  const base =
    (client as InstanceType<ClientSdk['DynamoDBClient']> | undefined) ??
    new sdk.client.DynamoDBClient(clientConfig ?? {})
  return sdk.doc.DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true },
  })
}

export type WriteRequest =
  | { PutRequest: { Item: { pk: string; sk: string; [attribute: string]: unknown } } }
  | { DeleteRequest: { Key: { pk: string; sk: string } } }

const BATCH_LIMIT = 25

export interface BatchPolicy {
  maxAttempts: number
  baseDelayMs: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * BatchWriteItem in chunks of 25, retrying what DynamoDB leaves unprocessed (it does so
 * under throttling instead of failing) with jittered backoff, as AWS advises.
 */
export async function batchWrite(
  doc: DocClient,
  sdk: DocSdk,
  table: string,
  requests: WriteRequest[],
  policy: BatchPolicy,
): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_LIMIT) {
    let pending = requests.slice(i, i + BATCH_LIMIT)
    for (let attempt = 1; ; attempt++) {
      const out = await doc.send(new sdk.BatchWriteCommand({ RequestItems: { [table]: pending } as any }))
      const left = out.UnprocessedItems?.[table] as WriteRequest[] | undefined
      if (!left || left.length === 0) break
      if (attempt >= policy.maxAttempts) {
        throw new Error(`DynamoDB left ${left.length} writes unprocessed after ${attempt} attempts`)
      }
      await sleep(Math.random() * policy.baseDelayMs * 2 ** (attempt - 1))
      pending = left
    }
  }
}

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
}
