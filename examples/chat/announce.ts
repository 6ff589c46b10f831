import {
  broadcast,
  type ConnectionRecord,
  type ConnectionStore,
  type Context,
  deriveManagementEndpoint,
  type RestApiEvent,
  type StreamerClient,
} from 'socketeer'
import { nameOf } from './names.js'

/** The group every member joins on `$connect`: the chat has one room. */
export const LOBBY = 'lobby'

/** Names are at most 32 characters: 100 of them stay far below a frame's 128 KB. */
const LEFT_PER_FRAME = 100

export interface Announced {
  delivered: number
  gone: number
}

/** How many are in the lobby (the `online` of presence frames). */
export async function online(store: ConnectionStore): Promise<number> {
  let n = 0
  for await (const _ of store.members(LOBBY)) n++
  return n
}

/**
 * Sends one JSON payload to the lobby through the registry's broadcast, which deletes the
 * members the service reports gone. Their departure is announced here: `$disconnect` is
 * best-effort, a 410 is the truth (and a later `$disconnect` finds no record to announce).
 */
export async function announce(ctx: Context, store: ConnectionStore, payload: object): Promise<Announced> {
  const streamer = streamerOf(ctx)
  const first = await deliver(ctx, store, streamer, payload)
  let departed = first.departed
  // A record is announced only when a delete removed it, so once: this ends. A frame
  // names up to LEFT_PER_FRAME of those found gone: a frame per departure would cost
  // lobby × departures posts in this one invocation (and it may be a `$connect`), one
  // frame for all could pass the 128 KB limit.
  while (departed.length > 0) {
    const next: ConnectionRecord[] = []
    const count = await online(store)
    for (let i = 0; i < departed.length; i += LEFT_PER_FRAME) {
      const names = departed.slice(i, i + LEFT_PER_FRAME).map((r) => nameOf(r.connectionId, r))
      const left = { type: 'presence', event: 'left', name: names.join(', '), online: count }
      next.push(...(await deliver(ctx, store, streamer, left)).departed)
    }
    departed = next
  }
  return { delivered: first.delivered, gone: first.gone }
}

async function deliver(
  ctx: Context,
  store: ConnectionStore,
  streamer: StreamerClient,
  payload: object,
): Promise<Announced & { departed: ConnectionRecord[] }> {
  const departed: ConnectionRecord[] = []
  const deps = { store: keepingPruned(store, departed), streamer }
  const result = await broadcast(deps, LOBBY, payload, ctx.callOptions())
  for (const f of result.failed)
    ctx.log.warn('broadcast failed', { connectionId: f.connectionId, error: f.error })
  // Left for the record's TTL to remove; a later broadcast tries again.
  for (const f of result.pruneFailed)
    ctx.log.warn('pruning a gone member failed', { connectionId: f.connectionId, error: f.error })
  return { delivered: result.sent.length, gone: result.gone.length, departed }
}

/**
 * The store as broadcast() sees it, keeping each record its pruning deletes: broadcast()
 * reports only the ids, and by then the record holding the name is gone.
 */
function keepingPruned(store: ConnectionStore, pruned: ConnectionRecord[]): ConnectionStore {
  return {
    put: (record) => store.put(record),
    get: (connectionId) => store.get(connectionId),
    async delete(connectionId, options) {
      const out = await store.delete(connectionId, options)
      if (out.record) pruned.push(out.record)
      return out
    },
    join: (connectionId, group) => store.join(connectionId, group),
    leave: (connectionId, group) => store.leave(connectionId, group),
    members: (group, options) => store.members(group, options),
    groups: (connectionId) => store.groups(connectionId),
  }
}

/**
 * The @connections client for the lobby. A WebSocket event names its own stage. A REST
 * call (POST /notice) uses the App's endpoint (SOCKETEER_MANAGEMENT_ENDPOINT, which the
 * CDK construct sets), else the stage that served it: the local gateway serves HTTP and
 * WebSocket on one host and stage.
 */
function streamerOf(ctx: Context): StreamerClient {
  if (ctx.isWebSocket) {
    const ws = ctx.asWebSocket()
    return ctx.streamerFor(ws.managementEndpoint, ws.region)
  }
  const { domainName = '', stage = '' } = (ctx.event as RestApiEvent).requestContext ?? {}
  return ctx.streamerFor(deriveManagementEndpoint(domainName, stage, ctx.endpointOptions), ctx.region)
}
