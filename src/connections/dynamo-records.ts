import type { DynamoCalls, Item } from './dynamo-calls.js'
import { recordKey } from './keys.js'
import { isExpired } from './record.js'
import type { ConnectionRecord } from './types.js'

// The connection record's item as DynamoConnectionStore reads it back: shared by the
// record operations (dynamo.ts) and a join's check that its connection is live.

export async function getRecordItem(
  calls: DynamoCalls,
  connectionId: string,
  consistent: boolean,
): Promise<Item | undefined> {
  const out = await calls.call(
    'get',
    (lib) =>
      new lib.GetCommand({
        TableName: calls.tableName,
        Key: recordKey(connectionId),
        ConsistentRead: consistent,
      }),
  )
  return out.Item
}

/** Neither a tombstone nor past its expiry. */
export function isLiveRecord(item: Item, now: number = Date.now()): boolean {
  return item.gone !== true && !isExpired(item.expiresAt, now)
}

export function toRecord(item: Item): ConnectionRecord {
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
