import type { Context } from 'socketeer'
import type { Member, Roster } from './roster.js'

export interface Announced {
  delivered: number
  gone: number
}

// A member is connected only once its `$connect` has returned: a post in between is a
// 410 that does not mean it left, so a fresh member is never pruned for one.
const JOIN_GRACE_MS = 2_000

/**
 * Sends one JSON payload to every member (but `except`). Members the service reports
 * gone are dropped and their departure announced: `$disconnect` is best-effort, a 410
 * is the truth (and a later `$disconnect` then finds nobody to announce).
 */
export async function announce(
  ctx: Context,
  roster: Roster,
  payload: object,
  except?: string,
): Promise<Announced> {
  const first = await deliver(ctx, roster, payload, except)
  let departed = first.departed
  // Each pass removes members, so this ends.
  while (departed.length > 0) {
    const next: Member[] = []
    for (const m of departed) {
      const left = { type: 'presence', event: 'left', name: m.name, online: roster.size }
      next.push(...(await deliver(ctx, roster, left)).departed)
    }
    departed = next
  }
  return { delivered: first.delivered, gone: first.gone }
}

async function deliver(
  ctx: Context,
  roster: Roster,
  payload: object,
  except?: string,
): Promise<Announced & { departed: Member[] }> {
  // Grouped by endpoint because a streamer client talks to one API stage.
  const groups = new Map<string, Member[]>()
  for (const m of roster.all()) {
    if (m.connectionId === except) continue
    const key = `${m.endpoint}|${m.region ?? ''}`
    groups.set(key, [...(groups.get(key) ?? []), m])
  }
  const out = { delivered: 0, gone: 0, departed: [] as Member[] }
  for (const members of groups.values()) {
    const { endpoint, region } = members[0]!
    const ids = members.map((m) => m.connectionId)
    const result = await ctx.streamerFor(endpoint, region).broadcast(ids, payload, ctx.callOptions())
    out.delivered += result.sent.length
    out.gone += result.gone.length
    for (const id of result.gone) {
      const m = roster.get(id)
      if (m && Date.now() - m.joinedAt > JOIN_GRACE_MS) out.departed.push(roster.remove(id)!)
    }
    for (const f of result.failed)
      ctx.log.warn('broadcast failed', { connectionId: f.connectionId, error: f.error })
  }
  return out
}
