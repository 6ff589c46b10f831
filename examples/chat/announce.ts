import type { Context } from 'socketeer'
import type { Roster } from './roster.js'

export interface Announced {
  delivered: number
  gone: number
}

/**
 * Sends one JSON payload to every member (but `except`). Members the service reports
 * gone are dropped from the roster: `$disconnect` is best-effort, a 410 is the truth.
 */
export async function announce(
  ctx: Context,
  roster: Roster,
  payload: object,
  except?: string,
): Promise<Announced> {
  // Grouped by endpoint because a streamer client talks to one API stage.
  const groups = new Map<string, { region: string | undefined; ids: string[] }>()
  for (const m of roster.all()) {
    if (m.connectionId === except) continue
    const key = `${m.endpoint}|${m.region ?? ''}`
    const group = groups.get(key) ?? { region: m.region, ids: [] }
    group.ids.push(m.connectionId)
    groups.set(key, group)
  }
  const out: Announced = { delivered: 0, gone: 0 }
  for (const [key, { region, ids }] of groups) {
    const endpoint = key.slice(0, key.lastIndexOf('|'))
    const result = await ctx.streamerFor(endpoint, region).broadcast(ids, payload, ctx.callOptions())
    out.delivered += result.sent.length
    out.gone += result.gone.length
    for (const id of result.gone) roster.remove(id)
    for (const f of result.failed)
      ctx.log.warn('broadcast failed', { connectionId: f.connectionId, error: f.error })
  }
  return out
}
