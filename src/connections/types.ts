// The connection registry's portable surface. MemoryConnectionStore and
// DynamoConnectionStore implement it with the same semantics; the App, ws.join() and
// broadcast() only ever see this interface.

import type { HeldMessage, HeldPage } from './held.js'

/** One registered connection. */
export interface ConnectionRecord {
  connectionId: string
  /** The @connections endpoint that reaches it (`https://.../{stage}`). */
  endpoint: string
  /** Epoch ms the gateway accepted the connection. */
  connectedAt: number
  /** Epoch SECONDS after which the record is dead (the DynamoDB TTL attribute). */
  expiresAt: number
  /** The authorizer's principal (user id), when one ran on `$connect`. */
  principalId?: string
  attributes: Record<string, unknown>
}

/** What `put` takes: expiry and attributes default. */
export type ConnectionRecordInput = Omit<ConnectionRecord, 'expiresAt' | 'attributes'> & {
  expiresAt?: number
  attributes?: Record<string, unknown>
}

/** What `delete` removed, so `$disconnect` handlers can still tell the rooms who left. */
export interface DeletedConnection {
  /** The record as it was; undefined when there was none (never saved, or already deleted). */
  record?: ConnectionRecord
  /** Groups the connection was in when it was deleted. */
  groups: string[]
  /** True when `connectedBefore` kept a younger record: nothing was deleted. */
  skipped?: boolean
}

export interface DeleteOptions {
  /**
   * Delete only if the record's connectedAt (epoch ms) is before this, or there is no
   * record. A connection is answered 410 while its `$connect` still runs, after the App
   * has saved it: pruning on that 410 would orphan a connection about to go live.
   */
  connectedBefore?: number
}

export interface MembersOptions {
  /** Items per page (DynamoDB `Limit`); a page also ends at 1 MB. Default: no limit. */
  pageSize?: number
}

export interface ConnectionStore {
  /**
   * Saves (or replaces) a record. Throws ConnectionGoneError if the id was deleted:
   * ids are never reused, so a late write must not bring a closed connection back.
   */
  put(record: ConnectionRecordInput): Promise<ConnectionRecord>
  /** The live record, or undefined (unknown, deleted, or past its expiry). */
  get(connectionId: string): Promise<ConnectionRecord | undefined>
  /** Deletes the record and leaves every group. Idempotent. */
  delete(connectionId: string, options?: DeleteOptions): Promise<DeletedConnection>
  /** Adds the connection to a group. Throws ConnectionGoneError unless the connection is live. */
  join(connectionId: string, group: string): Promise<void>
  /** Removes the connection from a group. Idempotent. */
  leave(connectionId: string, group: string): Promise<void>
  /** Connection ids in a group, over every page; expired memberships are skipped. */
  members(group: string, options?: MembersOptions): AsyncIterable<string>
  /** Groups a connection is in. */
  groups(connectionId: string): AsyncIterable<string>
  /**
   * Keeps a session's push that no live connection took (connections/held.ts), dropping
   * the oldest past the store's limit. Undefined when holding is off or the message is
   * too big to deliver. Optional: a store without these three holds nothing.
   */
  holdSessionMessage?(
    session: string,
    message: { id: string; text: string },
  ): Promise<HeldMessage | undefined>
  /** The session's held messages that are not expired, oldest first, one reply's worth. */
  heldSessionMessages?(session: string): Promise<HeldPage>
  /** Removes delivered messages. Idempotent. */
  releaseSessionMessages?(session: string, seqs: string[]): Promise<void>
}

/**
 * The slice of a WebSocket event's view that the App's store lifecycle reads (save on
 * `$connect`, delete on `$disconnect`, ws.join/leave/setAttributes). Declared here so
 * connections/ never imports websocket/ back; `WebSocketContext` satisfies it.
 */
export interface ConnectionEventView {
  readonly connectionId: string
  readonly eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT'
  /** Epoch ms the gateway accepted the connection. */
  readonly connectedAt: number
  /** The @connections endpoint that reaches this connection. */
  readonly managementEndpoint: string
  readonly principalId: string | undefined
  /** Query parameters of the connect URL (CONNECT only): socketeer/client's `session` is read here. */
  readonly query: Record<string, string>
  /** The `$connect` authorizer's context, as later events carry it. */
  readonly authorizer:
    | { principalId?: unknown; integrationLatency?: unknown; [key: string]: unknown }
    | undefined
}
