/** Item keys, written here once so the stores and the table design cannot drift apart. */
export const CONN_PREFIX = 'conn#'
export const GROUP_PREFIX = 'group#'
export const META_SK = 'meta'

export interface ItemKey {
  pk: string
  sk: string
}

/** The connection record. */
export const recordKey = (connectionId: string): ItemKey => ({ pk: CONN_PREFIX + connectionId, sk: META_SK })
/** A membership as the group sees it: members(group) is a Query on this pk. */
export const memberKey = (group: string, connectionId: string): ItemKey => ({
  pk: GROUP_PREFIX + group,
  sk: CONN_PREFIX + connectionId,
})
/** The same membership as the connection sees it: delete() finds every group with one Query. */
export const reverseMemberKey = (connectionId: string, group: string): ItemKey => ({
  pk: CONN_PREFIX + connectionId,
  sk: GROUP_PREFIX + group,
})
export const SESSION_PREFIX = 'session#'
export const HELD_PREFIX = 'held#'
/** A message held for a session with no live connection: a Query on the pk reads them in order. */
export const heldKey = (session: string, seq: string): ItemKey => ({
  pk: SESSION_PREFIX + session,
  sk: HELD_PREFIX + seq,
})
