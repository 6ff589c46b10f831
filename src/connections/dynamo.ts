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
import { type HeldOps, heldMessages, holdMessage, releaseMessages } from './dynamo-held.js'
import {
  ConnectionGoneError,
  ConnectionStoreError,
  ConnectionStoreTimeoutError,
  ConnectionStoreValidationError,
} from './errors.js'
import {
  type HeldMessage,
  type HeldMessagesOptions,
  type HeldPage,
  type HeldPolicy,
  heldPolicy,
} from './held.js'
import { CONN_PREFIX, GROUP_PREFIX, memberKey, recordKey, reverseMemberKey } from './keys.js'
import { expiresFromNow, isExpired, normaliseRecord, validateConnectionId, validateGroup } from './record.js'
import { CONNECTIONS_TABLE_ENV } from './table.js'
import { DEFAULT_TTL_SECONDS } from './ttl.js'
import type {
  ConnectionRecord,
  ConnectionRecordInput,
  ConnectionStore,
  DeletedConnection,
  DeleteOptions,
  MembersOptions,
} from './types.js'

export interface DynamoConnectionStoreOptions {
  /** Default: the SOCKETEER_CONNECTIONS_TABLE environment variable. */
  tableName?: string
  /** A DynamoDBClient you configured; default: a new one from `clientConfig`. */
  client?: DynamoClientLike
  /** Passed to `new DynamoDBClient()` (region, endpoint, credentials, ...). */
  clientConfig?: Record<string, unknown>
  /** Seconds a record lives after connectedAt (and a membership or tombstone after it is written). */
  ttlSeconds?: number
  /**
   * Strongly consistent get/members/groups (default true): a join is seen by the very
   * next broadcast. `false` halves their read cost. The writes' own checks are always consistent.
   */
  consistentReads?: boolean
  /** Attempts for writes DynamoDB leaves unprocessed under throttling (default 8). */
  maxBatchAttempts?: number
  /**
   * Each DynamoDB call (with the SDK's own retries) is abandoned after this long and
   * fails with ConnectionStoreTimeoutError (default 10 000 ms), so a paused or unreachable
   * endpoint never hangs a handler until the Lambda times out.
   */
  requestTimeoutMs?: number
  /**
   * Session messages no live connection took, kept as items of this table for the
   * session's next connection (connections/held.ts): bounded in count and age, swept by
   * the table's TTL. `false`: none are kept.
   */
  heldMessages?: HeldMessagesOptions | false
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

type Item = Record<string, any>

/**
 * The connection registry on one DynamoDB table (see table.ts for the design). The SDK
 * (an optional peer dependency) is imported on the first call.
 *
 * No resurrection, without transactions: delete() first overwrites the record with a
 * tombstone, then removes every membership it finds with a consistent Query. join()
 * writes both membership items, then reads the record consistently and undoes its
 * writes if the record is not live. Either the join's read comes after the tombstone
 * (the join undoes itself) or its writes came before it (so the delete's Query, which
 * follows the tombstone, finds and removes them). put() is conditional on there being
 * no tombstone.
 *
 * A membership is two items, written in a fixed order rather than in one batch (a batch
 * is not atomic, and its unprocessed half is retried later, after a racing call): a join
 * writes the connection's item, then the group's; a leave or delete removes the group's
 * first. Then no race of a join with a leave can leave the connection listing a group
 * whose members lack it (a live connection missing broadcasts). A failure between the
 * two writes can still leave the connection's item alone, so groups() reports a group
 * only when the group's item is there too; a retried join, a leave or the delete repairs
 * it. The other half state, a group item alone, is what a group broadcast's prune (or a
 * leave) removes directly.
 */
export class DynamoConnectionStore implements ConnectionStore {
  readonly tableName: string
  readonly ttlSeconds: number
  readonly #consistent: boolean
  readonly #batchPolicy: { maxAttempts: number; baseDelayMs: number }
  readonly #client: DynamoClientLike | undefined
  readonly #clientConfig: Record<string, unknown> | undefined
  readonly #timeoutMs: number
  readonly #policy: HeldPolicy | undefined
  #doc: Promise<DocClient> | undefined

  constructor(options: DynamoConnectionStoreOptions = {}) {
    const table = options.tableName ?? process.env[CONNECTIONS_TABLE_ENV]
    if (!table) {
      throw new ConnectionStoreValidationError(
        `DynamoConnectionStore needs a table name: pass { tableName } or set ${CONNECTIONS_TABLE_ENV}`,
      )
    }
    this.tableName = table
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS
    this.#consistent = options.consistentReads ?? true
    this.#batchPolicy = { maxAttempts: options.maxBatchAttempts ?? 8, baseDelayMs: 25 }
    this.#client = options.client
    this.#clientConfig = options.clientConfig
    const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    if (!(Number.isFinite(timeout) && timeout > 0))
      throw new ConnectionStoreValidationError('requestTimeoutMs must be a positive number of ms')
    this.#timeoutMs = timeout
    this.#policy = heldPolicy(options.heldMessages)
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

  async #sdk(): Promise<{ doc: DocClient; lib: Awaited<ReturnType<typeof loadSdk>>['doc'] }> {
    this.#doc ??= makeDocClient(this.#client, this.#clientConfig).catch((error: unknown) => {
      this.#doc = undefined
      throw error
    })
    const [doc, sdk] = await Promise.all([this.#doc, loadSdk()])
    return { doc, lib: sdk.doc }
  }

  async #batch(operation: string, requests: WriteRequest[]): Promise<void> {
    const { doc, lib } = await this.#sdk()
    try {
      await batchWrite(this.#sender(operation, doc), lib, this.tableName, requests, this.#batchPolicy)
    } catch (error) {
      if (error instanceof ConnectionStoreError) throw error
      throw new ConnectionStoreError(
        operation,
        `connection store ${operation} failed: ${(error as Error).message}`,
        error,
      )
    }
  }

  async put(input: ConnectionRecordInput): Promise<ConnectionRecord> {
    const record = normaliseRecord(input, this.ttlSeconds)
    const { doc, lib } = await this.#sdk()
    try {
      await this.#send(
        'put',
        doc,
        new lib.PutCommand({
          TableName: this.tableName,
          Item: { ...recordKey(record.connectionId), ...record },
          // A tombstone blocks the write until its own expiry has passed.
          ConditionExpression: 'attribute_not_exists(#gone) OR #exp <= :now',
          ExpressionAttributeNames: { '#gone': 'gone', '#exp': 'expiresAt' },
          ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
        }),
      )
    } catch (error) {
      if (isConditionFailure(error)) throw new ConnectionGoneError(record.connectionId)
      throw error
    }
    return record
  }

  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    validateConnectionId(connectionId)
    const item = await this.#getRecordItem(connectionId, this.#consistent)
    return item && isLiveRecord(item) ? toRecord(item) : undefined
  }

  async #getRecordItem(connectionId: string, consistent: boolean): Promise<Item | undefined> {
    const { doc, lib } = await this.#sdk()
    const out = await this.#send(
      'get',
      doc,
      new lib.GetCommand({
        TableName: this.tableName,
        Key: recordKey(connectionId),
        ConsistentRead: consistent,
      }),
    )
    return out.Item
  }

  async delete(connectionId: string, options: DeleteOptions = {}): Promise<DeletedConnection> {
    validateConnectionId(connectionId)
    const { doc, lib } = await this.#sdk()
    const before = options.connectedBefore
    let out: { Attributes?: Item }
    try {
      out = await this.#send(
        'delete',
        doc,
        new lib.PutCommand({
          TableName: this.tableName,
          Item: {
            ...recordKey(connectionId),
            connectionId,
            gone: true,
            expiresAt: expiresFromNow(this.ttlSeconds),
          },
          ReturnValues: 'ALL_OLD',
          // A prune tombstones only a record older than the window (false when there is none).
          ...(before === undefined
            ? {}
            : {
                ConditionExpression: '#at < :before',
                ExpressionAttributeNames: { '#at': 'connectedAt' },
                ExpressionAttributeValues: { ':before': before },
              }),
        }),
      )
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      const record = await this.#getRecordItem(connectionId, true)
      if (record && isLiveRecord(record)) return { groups: [], skipped: true }
      // No live record: a connection still in its `$connect` (its save must not be
      // refused by a tombstone), or one deleted or expired already. Only memberships
      // older than the window go: one the App writes after that read, for a connection
      // that has just been saved, is younger and stays.
      return { groups: await this.#dropMemberships(connectionId, before) }
    }
    const groups = await this.#dropMemberships(connectionId)
    const result: DeletedConnection = { groups }
    const old = out.Attributes
    if (old && isLiveRecord(old)) result.record = toRecord(old)
    return result
  }

  /**
   * Removes the memberships of a connection (only those written before `writtenBefore`,
   * epoch ms, when given); returns the unexpired groups removed.
   */
  async #dropMemberships(connectionId: string, writtenBefore?: number): Promise<string[]> {
    // After any tombstone: a join that missed it has already written what is found here.
    const found: { group: string; expiresAt: number }[] = []
    for await (const item of this.#query(
      'delete',
      CONN_PREFIX + connectionId,
      GROUP_PREFIX,
      undefined,
      true,
    )) {
      // A membership expires ttlSeconds after it is written.
      const writtenAt = (item.expiresAt - this.ttlSeconds) * 1000
      if (writtenBefore !== undefined && !(writtenAt < writtenBefore)) continue
      found.push({ group: (item.sk as string).slice(GROUP_PREFIX.length), expiresAt: item.expiresAt })
    }
    await this.#batch(
      'delete',
      found.map(({ group }) => ({ DeleteRequest: { Key: memberKey(group, connectionId) } })),
    )
    await this.#batch(
      'delete',
      found.map(({ group }) => ({ DeleteRequest: { Key: reverseMemberKey(connectionId, group) } })),
    )
    const now = Date.now()
    return found.filter((f) => !isExpired(f.expiresAt, now)).map((f) => f.group)
  }

  async join(connectionId: string, group: string): Promise<void> {
    validateConnectionId(connectionId)
    validateGroup(group)
    const expiresAt = expiresFromNow(this.ttlSeconds)
    await this.#write('join', { ...reverseMemberKey(connectionId, group), expiresAt })
    try {
      await this.#write('join', { ...memberKey(group, connectionId), expiresAt })
    } catch (error) {
      // e.g. throttled past the SDK's retries: do not leave the connection's half behind.
      // If this fails too, groups() still never reports it (it checks the group's item),
      // and a retried join, a leave or the delete removes or completes it.
      await this.#remove('join', reverseMemberKey(connectionId, group)).catch(() => {})
      throw error
    }
    const record = await this.#getRecordItem(connectionId, true)
    if (record && isLiveRecord(record)) return
    // The connection is gone (or never was): take back what this join wrote.
    await this.#dropMembership(connectionId, group)
    throw new ConnectionGoneError(connectionId)
  }

  async leave(connectionId: string, group: string): Promise<void> {
    validateConnectionId(connectionId)
    validateGroup(group)
    await this.#dropMembership(connectionId, group)
  }

  async #dropMembership(connectionId: string, group: string): Promise<void> {
    await this.#remove('leave', memberKey(group, connectionId))
    await this.#remove('leave', reverseMemberKey(connectionId, group))
  }

  async #write(operation: string, item: Item): Promise<void> {
    const { doc, lib } = await this.#sdk()
    await this.#send(operation, doc, new lib.PutCommand({ TableName: this.tableName, Item: item }))
  }

  async #remove(operation: string, key: { pk: string; sk: string }): Promise<void> {
    const { doc, lib } = await this.#sdk()
    await this.#send(operation, doc, new lib.DeleteCommand({ TableName: this.tableName, Key: key }))
  }

  async *members(group: string, options: MembersOptions = {}): AsyncIterable<string> {
    validateGroup(group)
    const now = Date.now()
    for await (const item of this.#query(
      'members',
      GROUP_PREFIX + group,
      undefined,
      options.pageSize,
      this.#consistent,
    )) {
      if (!isExpired(item.expiresAt, now)) yield (item.sk as string).slice(CONN_PREFIX.length)
    }
  }

  /**
   * The connection's items say which groups it is in; each is reported only if the
   * group's own item lists the connection too (one BatchGetItem per page), so a
   * membership left half-written (a failed or raced join or leave, an abandoned write
   * landing late) never shows as a group whose members() lack the connection.
   */
  async *groups(connectionId: string): AsyncIterable<string> {
    validateConnectionId(connectionId)
    const now = Date.now()
    let page: string[] = []
    const confirmed = async (groups: string[]): Promise<string[]> => {
      const { doc, lib } = await this.#sdk()
      const keys = groups.map((g) => memberKey(g, connectionId))
      const items = await batchGet(
        this.#sender('groups', doc),
        lib,
        this.tableName,
        keys,
        this.#consistent,
        this.#batchPolicy,
      ).catch((error: unknown) => {
        if (error instanceof ConnectionStoreError) throw error
        throw new ConnectionStoreError(
          'groups',
          `connection store groups failed: ${(error as Error).message}`,
          error,
        )
      })
      const live = new Set(
        items
          .filter((i) => !isExpired(i.expiresAt, now))
          .map((i) => (i.pk as string).slice(GROUP_PREFIX.length)),
      )
      return groups.filter((g) => live.has(g))
    }
    for await (const item of this.#query(
      'groups',
      CONN_PREFIX + connectionId,
      GROUP_PREFIX,
      undefined,
      this.#consistent,
    )) {
      if (isExpired(item.expiresAt, now)) continue
      page.push((item.sk as string).slice(GROUP_PREFIX.length))
      if (page.length === 100) {
        yield* await confirmed(page)
        page = []
      }
    }
    if (page.length > 0) yield* await confirmed(page)
  }

  // Session messages held for the next connection: dynamo-held.ts, on this store's calls.
  holdSessionMessage(
    session: string,
    message: { id: string; text: string },
  ): Promise<HeldMessage | undefined> {
    return holdMessage(this.#heldOps, this.#policy, session, message)
  }

  heldSessionMessages(session: string): Promise<HeldPage> {
    return heldMessages(this.#heldOps, session)
  }

  releaseSessionMessages(session: string, seqs: string[]): Promise<void> {
    return releaseMessages(this.#heldOps, session, seqs)
  }

  readonly #heldOps: HeldOps = {
    put: (item) => this.#write('hold', item),
    keys: (pk, prefix) => this.#query('hold', pk, prefix, undefined, true, false),
    page: async (input) => {
      const { doc, lib } = await this.#sdk()
      return this.#send('held', doc, new lib.QueryCommand({ TableName: this.tableName, ...input }))
    },
    remove: (operation, keys) =>
      this.#batch(
        operation,
        keys.map((Key) => ({ DeleteRequest: { Key } })),
      ),
  }

  /**
   * Every item of one partition (optionally with a sort-key prefix), page by page. The
   * next page is requested while the caller works through this one, so a broadcast's
   * senders do not stall at each page boundary.
   */
  async *#query(
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

function isLiveRecord(item: Item, now: number = Date.now()): boolean {
  return item.gone !== true && !isExpired(item.expiresAt, now)
}

function toRecord(item: Item): ConnectionRecord {
  const record: ConnectionRecord = {
    connectionId: item.connectionId,
    endpoint: item.endpoint,
    connectedAt: item.connectedAt,
    expiresAt: item.expiresAt,
    attributes: item.attributes ?? {},
  }
  if (item.principalId !== undefined) record.principalId = item.principalId
  return record
}
