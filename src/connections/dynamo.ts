import { DynamoCalls } from './dynamo-calls.js'
import { type DynamoClientLike, isConditionFailure } from './dynamo-client.js'
import { connectionGroups, dropMemberships, groupMembers, joinGroup, leaveGroup } from './dynamo-groups.js'
import { type HeldOps, heldMessages, holdMessage, releaseMessages } from './dynamo-held.js'
import { getRecordItem, isLiveRecord, toRecord } from './dynamo-records.js'
import { ConnectionGoneError, ConnectionStoreValidationError } from './errors.js'
import {
  type HeldMessage,
  type HeldMessagesOptions,
  type HeldPage,
  type HeldPolicy,
  heldPolicy,
} from './held.js'
import { recordKey } from './keys.js'
import { expiresFromNow, normaliseRecord, validateConnectionId } from './record.js'
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

// The store's protocol: its options, the record operations, and the order of writes
// that keeps records and memberships consistent. Its calls are in dynamo-calls.ts,
// memberships in dynamo-groups.ts, held session messages in dynamo-held.ts.

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
 * first. groups() reports a group only when the group's item is there too, so the
 * connection's item alone is invisible (a leave or the delete removes it). The group's
 * item alone is what a join racing a leave could leave, so both check after their
 * writes (dynamo-groups.ts): the join reads the connection's item back and, if a leave
 * removed it, deletes its group item; the leave reads the group's item back and, if one
 * landed after its first delete with no connection's item beside it, deletes it. Both
 * items carry the join's token and these deletes are conditional on it, so neither
 * removes a newer join's item. What a call that dies between these steps can still leave
 * (a group item alone) a group broadcast's prune, a leave, or the TTL removes.
 */
export class DynamoConnectionStore implements ConnectionStore {
  readonly tableName: string
  readonly ttlSeconds: number
  readonly #consistent: boolean
  readonly #calls: DynamoCalls
  readonly #policy: HeldPolicy | undefined

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
    const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    if (!(Number.isFinite(timeout) && timeout > 0))
      throw new ConnectionStoreValidationError('requestTimeoutMs must be a positive number of ms')
    this.#calls = new DynamoCalls({
      tableName: table,
      client: options.client,
      clientConfig: options.clientConfig,
      timeoutMs: timeout,
      maxBatchAttempts: options.maxBatchAttempts ?? 8,
    })
    this.#policy = heldPolicy(options.heldMessages)
  }

  async put(input: ConnectionRecordInput): Promise<ConnectionRecord> {
    const record = normaliseRecord(input, this.ttlSeconds)
    try {
      await this.#calls.call(
        'put',
        (lib) =>
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
    const item = await getRecordItem(this.#calls, connectionId, this.#consistent)
    return item && isLiveRecord(item) ? toRecord(item) : undefined
  }

  async delete(connectionId: string, options: DeleteOptions = {}): Promise<DeletedConnection> {
    validateConnectionId(connectionId)
    const before = options.connectedBefore
    let out: { Attributes?: Record<string, any> }
    try {
      out = await this.#calls.call(
        'delete',
        (lib) =>
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
      const record = await getRecordItem(this.#calls, connectionId, true)
      if (record && isLiveRecord(record)) return { groups: [], skipped: true }
      // No live record: a connection still in its `$connect` (its save must not be
      // refused by a tombstone), or one deleted or expired already. Only memberships
      // older than the window go: one the App writes after that read, for a connection
      // that has just been saved, is younger and stays.
      return { groups: await dropMemberships(this.#calls, this.ttlSeconds, connectionId, before) }
    }
    const groups = await dropMemberships(this.#calls, this.ttlSeconds, connectionId)
    const result: DeletedConnection = { groups }
    const old = out.Attributes
    if (old && isLiveRecord(old)) result.record = toRecord(old)
    return result
  }

  join(connectionId: string, group: string): Promise<void> {
    return joinGroup(this.#calls, this.ttlSeconds, connectionId, group)
  }

  leave(connectionId: string, group: string): Promise<void> {
    return leaveGroup(this.#calls, connectionId, group)
  }

  members(group: string, options: MembersOptions = {}): AsyncIterable<string> {
    return groupMembers(this.#calls, this.#consistent, group, options)
  }

  /**
   * The connection's items say which groups it is in; each is reported only if the
   * group's own item lists the connection too (one BatchGetItem per page), so a
   * membership left half-written (a failed or raced join or leave, an abandoned write
   * landing late) never shows as a group whose members() lack the connection.
   */
  groups(connectionId: string): AsyncIterable<string> {
    return connectionGroups(this.#calls, this.#consistent, connectionId)
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
    put: (item) => this.#calls.write('hold', item),
    keys: (pk, prefix) => this.#calls.query('hold', pk, prefix, undefined, true, false),
    page: (input) =>
      this.#calls.call('held', (lib) => new lib.QueryCommand({ TableName: this.tableName, ...input })),
    remove: (operation, keys) =>
      this.#calls.batch(
        operation,
        keys.map((Key) => ({ DeleteRequest: { Key } })),
      ),
  }
}
