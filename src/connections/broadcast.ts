import type {
  BroadcastFailure,
  BroadcastOptions,
  BroadcastResult,
  PostData,
  StreamerClient,
} from '../streamer/types.js'
import type { ConnectionStore } from './types.js'

/** A group name, or the connection ids themselves. */
export type BroadcastTarget = string | Iterable<string> | AsyncIterable<string>

export interface ConnectionsBroadcastOptions extends BroadcastOptions {
  /** Ids not to send to (typically the sender). */
  exclude?: string | Iterable<string>
  /** Group members per store page. */
  pageSize?: number
  /**
   * A 410 for a connection younger than this (ms) is reported but not pruned: the
   * gateway answers 410 while `$connect` runs, after the App saved the connection.
   * Default 60 000 (`$connect` and its authorizer each time out at 29 s).
   */
  pruneGraceMs?: number
}

export interface ConnectionsBroadcastResult extends BroadcastResult {
  /** Gone ids actually removed from the store (a subset of `gone`). */
  pruned: string[]
  /** Gone ids the store failed to remove; TTL will. */
  pruneFailed: BroadcastFailure[]
}

export interface BroadcastDeps {
  store: ConnectionStore
  streamer: StreamerClient
}

export const DEFAULT_PRUNE_GRACE_MS = 60_000

/**
 * Sends one message to a group (a store Query, page by page) or to a list of ids through
 * the streamer, with its bounded concurrency; then removes every connection that answered
 * 410 from the store and from all its groups. Never throws for a single connection.
 */
export async function broadcast(
  deps: BroadcastDeps,
  target: BroadcastTarget,
  data: PostData,
  options: ConnectionsBroadcastOptions = {},
): Promise<ConnectionsBroadcastResult> {
  const { store, streamer } = deps
  const { exclude, pageSize, pruneGraceMs = DEFAULT_PRUNE_GRACE_MS, ...sendOptions } = options
  const source =
    typeof target === 'string' ? store.members(target, pageSize === undefined ? {} : { pageSize }) : target
  const startedAt = Date.now()
  const sent = await streamer.broadcast(unique(source, exclude), data, sendOptions)
  const pruned: string[] = []
  const pruneFailed: BroadcastFailure[] = []
  const connectedBefore = startedAt - pruneGraceMs
  await forEachBounded(sent.gone, sendOptions.concurrency, async (id) => {
    try {
      const out = await store.delete(id, { connectedBefore })
      if (out.skipped) return
      // The group listed it; if its own side of the membership was missing (a half-written
      // membership), delete() did not see this group: leave it directly.
      if (typeof target === 'string' && !out.groups.includes(target)) await store.leave(id, target)
      pruned.push(id)
    } catch (error) {
      pruneFailed.push({ connectionId: id, error: error instanceof Error ? error : new Error(String(error)) })
    }
  })
  return { ...sent, pruned, pruneFailed }
}

/** Each id once, whatever the source repeats; excluded ids never. */
async function* unique(
  source: Iterable<string> | AsyncIterable<string>,
  exclude: string | Iterable<string> | undefined,
): AsyncIterable<string> {
  const seen = new Set<string>(typeof exclude === 'string' ? [exclude] : (exclude ?? []))
  for await (const id of source) {
    if (seen.has(id)) continue
    seen.add(id)
    yield id
  }
}

async function forEachBounded<T>(
  items: T[],
  concurrency: number | undefined,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let i = 0
  const worker = async () => {
    while (i < items.length) await fn(items[i++]!)
  }
  const n = Math.min(items.length, Math.max(1, Math.floor(concurrency ?? 16)))
  await Promise.all(Array.from({ length: n }, worker))
}
