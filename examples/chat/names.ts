import type { ConnectionRecord } from 'socketeer'

// What a member is called: chosen by `?name=` on `$connect`, kept in its connection
// record's attributes so every Lambda instance (and every route) reads the same name.

const MAX_NAME = 32

const guest = (connectionId: string) => `guest-${connectionId.slice(0, 4)}`

/** The name to store for a connecting client. */
export function nameFrom(raw: string | undefined, connectionId: string): string {
  // A cut between the two halves of an emoji would leave a lone surrogate: not UTF-8.
  const name = (raw ?? '')
    .trim()
    .slice(0, MAX_NAME)
    .replace(/[\uD800-\uDBFF]$/, '')
  return name || guest(connectionId)
}

/** The stored name; a record that is missing (never saved, already gone) falls back to the guest name. */
export function nameOf(connectionId: string, record: ConnectionRecord | undefined): string {
  const name = record?.attributes.name
  return typeof name === 'string' ? name : guest(connectionId)
}
