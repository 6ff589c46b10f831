import type { QueryCommandOutput } from '@aws-sdk/lib-dynamodb'
import {
  batchGet,
  batchWrite,
  type DocClient,
  type DynamoClientLike,
  isConditionFailure,
  loadSdk,
  makeDocClient,
  type WriteRequest,
} from './dynamo-client.js'
import {
  ConnectionStoreError,
  ConnectionStoreTimeoutError,
  ConnectionStoreValidationError,
} from './errors.js'
import type { ItemKey } from './keys.js'

// DynamoConnectionStore's calls to its table, each bounded by the request timeout and
// its failure typed, so the files of the store's operations read as the protocol.

export type Item = Record<string, any>

type DocSdk = Awaited<ReturnType<typeof loadSdk>>['doc']

export interface DynamoCallsOptions {
  tableName: string
  client: DynamoClientLike | undefined
  clientConfig: Record<string, unknown> | undefined
  timeoutMs: number
  maxBatchAttempts: number
}

export class DynamoCalls {
  readonly tableName: string
  readonly #batchPolicy: { maxAttempts: number; baseDelayMs: number }
  readonly #client: DynamoClientLike | undefined
  readonly #clientConfig: Record<string, unknown> | undefined
  readonly #timeoutMs: number
  #doc: Promise<DocClient> | undefined

  constructor(options: DynamoCallsOptions) {
    this.tableName = options.tableName
    this.#batchPolicy = { maxAttempts: options.maxBatchAttempts, baseDelayMs: 25 }
    this.#client = options.client
    this.#clientConfig = options.clientConfig
    this.#timeoutMs = options.timeoutMs
  }

  /**
   * Every DynamoDB call goes through here: bounded by the request timeout, and failures
   * typed (ConnectionStoreError, its timeout subclass; the SDK's error as `cause`). A
   * failed condition stays the SDK's error for the caller to read as a protocol outcome.
   */
  async #send(operation: string, doc: DocClient, command: any): Promise<any> {
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), this.#timeoutMs)
    try {
      return await doc.send(command, { abortSignal: abort.signal })
    } catch (error) {
      if (abort.signal.aborted) throw new ConnectionStoreTimeoutError(operation, this.#timeoutMs, error)
      if (isConditionFailure(error) || error instanceof ConnectionStoreError) throw error
      const name = (error as { name?: unknown } | null)?.name
      throw new ConnectionStoreError(
        operation,
        `connection store ${operation} failed${typeof name === 'string' ? `: ${name}` : ''}`,
        error,
      )
    } finally {
      clearTimeout(timer)
    }
  }

  #sender(operation: string, doc: DocClient): (command: any) => Promise<any> {
    return (command) => this.#send(operation, doc, command)
  }

  async #sdk(): Promise<{ doc: DocClient; lib: DocSdk }> {
    this.#doc ??= makeDocClient(this.#client, this.#clientConfig).catch((error: unknown) => {
      this.#doc = undefined
      throw error
    })
    const [doc, sdk] = await Promise.all([this.#doc, loadSdk()])
    return { doc, lib: sdk.doc }
  }

  /** One command, made once the SDK is loaded (`make` gets lib-dynamodb's commands). */
  async call(operation: string, make: (lib: DocSdk) => any): Promise<any> {
    const { doc, lib } = await this.#sdk()
    return this.#send(operation, doc, make(lib))
  }

  write(operation: string, item: Item): Promise<void> {
    return this.call(operation, (lib) => new lib.PutCommand({ TableName: this.tableName, Item: item }))
  }

  remove(operation: string, key: ItemKey): Promise<void> {
    return this.call(operation, (lib) => new lib.DeleteCommand({ TableName: this.tableName, Key: key }))
  }

  /** One item by its key, read consistently; undefined when there is none. */
  async read(operation: string, key: ItemKey): Promise<Item | undefined> {
    const out = await this.call(
      operation,
      (lib) => new lib.GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    )
    return out.Item
  }

  async batch(operation: string, requests: WriteRequest[]): Promise<void> {
    const { doc, lib } = await this.#sdk()
    try {
      await batchWrite(this.#sender(operation, doc), lib, this.tableName, requests, this.#batchPolicy)
    } catch (error) {
      throw typed(operation, error)
    }
  }

  async batchGet(operation: string, keys: ItemKey[], consistent: boolean): Promise<Item[]> {
    const { doc, lib } = await this.#sdk()
    return batchGet(
      this.#sender(operation, doc),
      lib,
      this.tableName,
      keys,
      consistent,
      this.#batchPolicy,
    ).catch((error: unknown) => {
      throw typed(operation, error)
    })
  }

  /**
   * Every item of one partition (optionally with a sort-key prefix), page by page. The
   * next page is requested while the caller works through this one, so a broadcast's
   * senders do not stall at each page boundary.
   */
  async *query(
    operation: string,
    pk: string,
    skPrefix: string | undefined,
    pageSize: number | undefined,
    consistent: boolean,
    forward = true,
  ): AsyncIterable<Item> {
    if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0)) {
      throw new ConnectionStoreValidationError('pageSize must be a positive integer')
    }
    const { doc, lib } = await this.#sdk()
    const page = (start: Item | undefined): Promise<QueryCommandOutput> =>
      this.#send(
        operation,
        doc,
        new lib.QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: skPrefix ? '#pk = :pk AND begins_with(#sk, :sk)' : '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#exp': 'expiresAt' },
          ExpressionAttributeValues: skPrefix ? { ':pk': pk, ':sk': skPrefix } : { ':pk': pk },
          ProjectionExpression: '#sk, #exp',
          ConsistentRead: consistent,
          Limit: pageSize,
          ExclusiveStartKey: start,
          ScanIndexForward: forward,
        }),
      )
    let next: ReturnType<typeof page> | undefined = page(undefined)
    while (next) {
      const out: QueryCommandOutput = await next
      next = out.LastEvaluatedKey ? page(out.LastEvaluatedKey) : undefined
      // A rejected prefetch is reported when awaited; until then it must not go unhandled.
      next?.catch(() => {})
      for (const item of out.Items ?? []) yield item
    }
  }
}

/** A batch's own failure (items left unprocessed) as the store's error; a typed one as is. */
function typed(operation: string, error: unknown): unknown {
  if (error instanceof ConnectionStoreError) return error
  return new ConnectionStoreError(
    operation,
    `connection store ${operation} failed: ${(error as Error).message}`,
    error,
  )
}
