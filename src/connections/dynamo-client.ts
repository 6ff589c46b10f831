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
/** Sends one command: the store's wrapper, which adds the timeout and types the errors. */
export type Send = (command: any) => Promise<any>

export async function batchWrite(
  send: Send,
  sdk: DocSdk,
  table: string,
  requests: WriteRequest[],
  policy: BatchPolicy,
): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_LIMIT) {
    let pending = requests.slice(i, i + BATCH_LIMIT)
    for (let attempt = 1; ; attempt++) {
      const out = await send(new sdk.BatchWriteCommand({ RequestItems: { [table]: pending } as any }))
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

const GET_LIMIT = 100

/** BatchGetItem in chunks of 100, retrying unprocessed keys; returns the items found. */
export async function batchGet(
  send: Send,
  sdk: DocSdk,
  table: string,
  keys: { pk: string; sk: string }[],
  consistent: boolean,
  policy: BatchPolicy,
): Promise<Record<string, any>[]> {
  const found: Record<string, any>[] = []
  for (let i = 0; i < keys.length; i += GET_LIMIT) {
    let pending = keys.slice(i, i + GET_LIMIT)
    for (let attempt = 1; ; attempt++) {
      const out = await send(
        new sdk.BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent } } }),
      )
      found.push(...((out.Responses?.[table] as Record<string, any>[] | undefined) ?? []))
      const left = out.UnprocessedKeys?.[table]?.Keys as { pk: string; sk: string }[] | undefined
      if (!left || left.length === 0) break
      if (attempt >= policy.maxAttempts) {
        throw new Error(`DynamoDB left ${left.length} reads unprocessed after ${attempt} attempts`)
      }
      await sleep(Math.random() * policy.baseDelayMs * 2 ** (attempt - 1))
      pending = left
    }
  }
  return found
}
