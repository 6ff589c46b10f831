import type { DynamoCalls } from './dynamo-calls.js'
import { getRecordItem, isLiveRecord } from './dynamo-records.js'
import { ConnectionGoneError } from './errors.js'
import { CONN_PREFIX, GROUP_PREFIX, memberKey, reverseMemberKey } from './keys.js'
import { expiresFromNow, isExpired, validateConnectionId, validateGroup } from './record.js'
import type { MembersOptions } from './types.js'

// DynamoConnectionStore's memberships: two items each, written and removed in the order
// dynamo.ts explains, so no race or failure leaves a group reported that its members lack.

export async function joinGroup(
  calls: DynamoCalls,
  ttlSeconds: number,
  connectionId: string,
  group: string,
): Promise<void> {
  validateConnectionId(connectionId)
  validateGroup(group)
  const expiresAt = expiresFromNow(ttlSeconds)
  await calls.write('join', { ...reverseMemberKey(connectionId, group), expiresAt })
  try {
    await calls.write('join', { ...memberKey(group, connectionId), expiresAt })
  } catch (error) {
    // e.g. throttled past the SDK's retries: do not leave the connection's half behind.
    // If this fails too, groups() still never reports it (it checks the group's item),
    // and a retried join, a leave or the delete removes or completes it.
    await calls.remove('join', reverseMemberKey(connectionId, group)).catch(() => {})
    throw error
  }
  const record = await getRecordItem(calls, connectionId, true)
  if (record && isLiveRecord(record)) return
  // The connection is gone (or never was): take back what this join wrote.
  await dropMembership(calls, connectionId, group)
  throw new ConnectionGoneError(connectionId)
}

export async function leaveGroup(calls: DynamoCalls, connectionId: string, group: string): Promise<void> {
  validateConnectionId(connectionId)
  validateGroup(group)
  await dropMembership(calls, connectionId, group)
}

async function dropMembership(calls: DynamoCalls, connectionId: string, group: string): Promise<void> {
  await calls.remove('leave', memberKey(group, connectionId))
  await calls.remove('leave', reverseMemberKey(connectionId, group))
}

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
