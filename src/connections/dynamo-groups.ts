import type { DynamoCalls, Item } from './dynamo-calls.js'
import { isConditionFailure } from './dynamo-client.js'
import { isLiveRecord } from './dynamo-records.js'
import { ConnectionGoneError } from './errors.js'
import { CONN_PREFIX, GROUP_PREFIX, META_SK, memberKey, recordKey, reverseMemberKey } from './keys.js'
import { expiresFromNow, isExpired, validateConnectionId, validateGroup } from './record.js'
import type { MembersOptions } from './types.js'

// DynamoConnectionStore's memberships: two items each, written and removed in the order
// dynamo.ts explains, so no race or failure leaves a group reported that its members lack.
// Both items of a join carry the join's random token, so a check that finds the group's
// item orphaned removes only that item, never a newer join's.

export async function joinGroup(
  calls: DynamoCalls,
  ttlSeconds: number,
  connectionId: string,
  group: string,
): Promise<void> {
  validateConnectionId(connectionId)
  validateGroup(group)
  const expiresAt = expiresFromNow(ttlSeconds)
  const token = crypto.randomUUID()
  await calls.write('join', { ...reverseMemberKey(connectionId, group), expiresAt, token })
  try {
    await calls.write('join', { ...memberKey(group, connectionId), expiresAt, token })
  } catch (error) {
    // e.g. throttled past the SDK's retries. The group's item goes in case it landed after
    // all. The connection's item stays: alone it is invisible (groups() checks the group's
    // item) and a leave or the delete removes it, whereas removing it here could orphan
    // the group item of a racing join that overwrote it.
    await removeGroupItem(calls, 'join', group, connectionId, token).catch(() => {})
    throw error
  }
  // Both read after both writes, in one request: the record (no resurrection, dynamo.ts)
  // and the connection's item (a racing leave may have removed it).
  const items = await calls.batchGet(
    'join',
    [recordKey(connectionId), reverseMemberKey(connectionId, group)],
    true,
  )
  const record = items.find((i) => i.sk === META_SK)
  if (!(record && isLiveRecord(record))) {
    // The connection is gone (or never was): take back what this join wrote.
    await dropMembership(calls, connectionId, group)
    throw new ConnectionGoneError(connectionId)
  }
  // A leave removed the connection's item after this join wrote it, and its own check
  // may have run before this join's group item landed: this join takes that item back.
  // It counts as having run before the leave, so it succeeds.
  if (!items.some((i) => i.sk !== META_SK)) await removeGroupItem(calls, 'join', group, connectionId, token)
}

export async function leaveGroup(calls: DynamoCalls, connectionId: string, group: string): Promise<void> {
  validateConnectionId(connectionId)
  validateGroup(group)
  await dropMembership(calls, connectionId, group)
}

async function dropMembership(calls: DynamoCalls, connectionId: string, group: string): Promise<void> {
  await calls.remove('leave', memberKey(group, connectionId))
  await calls.remove('leave', reverseMemberKey(connectionId, group))
  // A racing join's group item may have landed after the first delete, its join having
  // seen its connection's item before the second: that join will not take it back, so
  // this leave does, unless a newer join has written the connection's item again.
  const member = await calls.read('leave', memberKey(group, connectionId))
  if (!member || (await calls.read('leave', reverseMemberKey(connectionId, group)))) return
  await removeGroupItem(calls, 'leave', group, connectionId, tokenOf(member))
}

/**
 * Deletes the group's item only while it is the one written with `token`. An item an
 * older version wrote has no token; `undefined` matches exactly those.
 */
async function removeGroupItem(
  calls: DynamoCalls,
  operation: string,
  group: string,
  connectionId: string,
  token: string | undefined,
): Promise<void> {
  try {
    await calls.call(
      operation,
      (lib) =>
        new lib.DeleteCommand({
          TableName: calls.tableName,
          Key: memberKey(group, connectionId),
          ConditionExpression: token === undefined ? 'attribute_not_exists(#token)' : '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ...(token === undefined ? {} : { ExpressionAttributeValues: { ':token': token } }),
        }),
    )
  } catch (error) {
    // Another join's item by now, or gone already: either way not this call's to remove.
    if (!isConditionFailure(error)) throw error
  }
}

const tokenOf = (item: Item): string | undefined => (typeof item.token === 'string' ? item.token : undefined)

/**
 * Removes the memberships of a connection (only those written before `writtenBefore`,
 * epoch ms, when given); returns the unexpired groups removed.
 */
export async function dropMemberships(
  calls: DynamoCalls,
  ttlSeconds: number,
  connectionId: string,
  writtenBefore?: number,
): Promise<string[]> {
  // After any tombstone: a join that missed it has already written what is found here.
  const found: { group: string; expiresAt: number }[] = []
  for await (const item of calls.query('delete', CONN_PREFIX + connectionId, GROUP_PREFIX, undefined, true)) {
    // A membership expires ttlSeconds after it is written.
    const writtenAt = (item.expiresAt - ttlSeconds) * 1000
    if (writtenBefore !== undefined && !(writtenAt < writtenBefore)) continue
    found.push({ group: (item.sk as string).slice(GROUP_PREFIX.length), expiresAt: item.expiresAt })
  }
  await calls.batch(
    'delete',
    found.map(({ group }) => ({ DeleteRequest: { Key: memberKey(group, connectionId) } })),
  )
  await calls.batch(
    'delete',
    found.map(({ group }) => ({ DeleteRequest: { Key: reverseMemberKey(connectionId, group) } })),
  )
  const now = Date.now()
  return found.filter((f) => !isExpired(f.expiresAt, now)).map((f) => f.group)
}

export async function* groupMembers(
  calls: DynamoCalls,
  consistent: boolean,
  group: string,
  options: MembersOptions,
): AsyncIterable<string> {
  validateGroup(group)
  const now = Date.now()
  for await (const item of calls.query(
    'members',
    GROUP_PREFIX + group,
    undefined,
    options.pageSize,
    consistent,
  )) {
    if (!isExpired(item.expiresAt, now)) yield (item.sk as string).slice(CONN_PREFIX.length)
  }
}

/** DynamoConnectionStore.groups(): each group confirmed by its own item (see dynamo.ts). */
export async function* connectionGroups(
  calls: DynamoCalls,
  consistent: boolean,
  connectionId: string,
): AsyncIterable<string> {
  validateConnectionId(connectionId)
  const now = Date.now()
  let page: string[] = []
  const confirmed = async (groups: string[]): Promise<string[]> => {
    const keys = groups.map((g) => memberKey(g, connectionId))
    const items = await calls.batchGet('groups', keys, consistent)
    const live = new Set(
      items
        .filter((i) => !isExpired(i.expiresAt, now))
        .map((i) => (i.pk as string).slice(GROUP_PREFIX.length)),
    )
    return groups.filter((g) => live.has(g))
  }
  for await (const item of calls.query(
    'groups',
    CONN_PREFIX + connectionId,
    GROUP_PREFIX,
    undefined,
    consistent,
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
