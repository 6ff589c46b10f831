import { validateConnectionId } from '../streamer/validate.js'
import { ConnectionStoreValidationError } from './errors.js'
import type { ConnectionRecord, ConnectionRecordInput } from './types.js'

// The rules every store applies, written once: expiry, liveness, record and group shape.

/** The longest group name: `group#{name}` is a sort key (1 024 bytes at most) on the reverse item. */
export const MAX_GROUP_BYTES = 1024 - 'group#'.length

const encoder = new TextEncoder()

export function validateGroup(group: unknown): asserts group is string {
  if (typeof group !== 'string' || group.length === 0) {
    throw new ConnectionStoreValidationError(`group must be a non-empty string, got ${JSON.stringify(group)}`)
  }
  const bytes = encoder.encode(group).byteLength
  if (bytes > MAX_GROUP_BYTES) {
    throw new ConnectionStoreValidationError(`group name is ${bytes} bytes; the limit is ${MAX_GROUP_BYTES}`)
  }
}

export { validateConnectionId }

/** Epoch seconds at which a connection that opened at `connectedAtMs` is surely gone. */
export function expiresAtFor(connectedAtMs: number, ttlSeconds: number): number {
  return Math.floor(connectedAtMs / 1000) + ttlSeconds
}

/** Epoch seconds for an item written now (memberships, tombstones). */
export function expiresFromNow(ttlSeconds: number, nowMs: number = Date.now()): number {
  return Math.floor(nowMs / 1000) + ttlSeconds
}

/**
 * DynamoDB's TTL sweep lags (typically up to two days), and expired items still show up
 * in reads until then: every reader treats `expiresAt` at or before now as absent.
 */
export function isExpired(expiresAt: number | undefined, nowMs: number = Date.now()): boolean {
  return typeof expiresAt === 'number' && expiresAt * 1000 <= nowMs
}

/** Validates a put() input and fills the defaults. */
export function normaliseRecord(input: ConnectionRecordInput, ttlSeconds: number): ConnectionRecord {
  if (typeof input !== 'object' || input === null) {
    throw new ConnectionStoreValidationError('put() needs a record object')
  }
  validateConnectionId(input.connectionId)
  if (typeof input.endpoint !== 'string' || input.endpoint.length === 0) {
    throw new ConnectionStoreValidationError('a connection record needs its management endpoint')
  }
  if (!Number.isFinite(input.connectedAt)) {
    throw new ConnectionStoreValidationError('connectedAt must be epoch milliseconds')
  }
  if (input.expiresAt !== undefined && !Number.isInteger(input.expiresAt)) {
    throw new ConnectionStoreValidationError('expiresAt must be whole epoch seconds')
  }
  const record: ConnectionRecord = {
    connectionId: input.connectionId,
    endpoint: input.endpoint,
    connectedAt: input.connectedAt,
    expiresAt: input.expiresAt ?? expiresAtFor(input.connectedAt, ttlSeconds),
    attributes: { ...input.attributes },
  }
  if (input.principalId !== undefined) record.principalId = input.principalId
  return record
}
