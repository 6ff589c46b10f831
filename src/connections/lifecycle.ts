import { AppError } from '../errors.js'
import type { Logger } from '../log.js'
import { SESSION_ID, SESSION_PARAM, sessionGroup } from '../protocol/frames.js'
import type { PostData, StreamerClient } from '../streamer/types.js'
import {
  type BroadcastTarget,
  broadcast,
  type ConnectionsBroadcastOptions,
  type ConnectionsBroadcastResult,
} from './broadcast.js'
import { ConnectionGoneError, ConnectionStoreMissingError } from './errors.js'
import { validateGroup } from './record.js'
import type { ConnectionEventView, ConnectionStore, DeletedConnection } from './types.js'

// How the App and the WebSocket context use a ConnectionStore: save after an accepted
// `$connect`, delete before `$disconnect` handlers, and the ws.join/leave/broadcast verbs.
// The App and the WebSocket context call these; the rules live here only.

interface ConnectionState {
  /** Groups joined during `$connect`, written once the handshake is accepted. */
  groups: Set<string>
  attributes: Record<string, unknown>
  departed?: DeletedConnection
}

const states = new WeakMap<ConnectionEventView, ConnectionState>()

function stateOf(ws: ConnectionEventView): ConnectionState {
  let state = states.get(ws)
  if (!state) {
    state = { groups: new Set(), attributes: {} }
    states.set(ws, state)
  }
  return state
}

function requireStore(store: ConnectionStore | undefined, operation: string): ConnectionStore {
  if (!store) throw new ConnectionStoreMissingError(operation)
  return store
}

/**
 * ws.join(). During `$connect` the connection does not exist yet (and may still be
 * refused), so the group is remembered and joined right after the record is saved.
 */
export async function joinGroup(
  ws: ConnectionEventView,
  store: ConnectionStore | undefined,
  group: string,
): Promise<void> {
  const s = requireStore(store, 'ws.join()')
  validateGroup(group)
  if (ws.eventType === 'CONNECT') stateOf(ws).groups.add(group)
  else await s.join(ws.connectionId, group)
}

export async function leaveGroup(
  ws: ConnectionEventView,
  store: ConnectionStore | undefined,
  group: string,
): Promise<void> {
  const s = requireStore(store, 'ws.leave()')
  validateGroup(group)
  if (ws.eventType === 'CONNECT') stateOf(ws).groups.delete(group)
  else await s.leave(ws.connectionId, group)
}

/**
 * ws.setAttributes(): on `$connect` merged into the record the App saves; later a
 * read-merge-write of the record (last writer wins between concurrent handlers).
 */
export async function setAttributes(
  ws: ConnectionEventView,
  store: ConnectionStore | undefined,
  attributes: Record<string, unknown>,
): Promise<void> {
  const s = requireStore(store, 'ws.setAttributes()')
  if (ws.eventType === 'CONNECT') {
    Object.assign(stateOf(ws).attributes, attributes)
    return
  }
  const record = await s.get(ws.connectionId)
  if (!record) throw new ConnectionGoneError(ws.connectionId)
  await s.put({ ...record, attributes: { ...record.attributes, ...attributes } })
}

/** On `$disconnect`, what delete() removed: the record and the groups it was in. */
export function departedOf(ws: ConnectionEventView): DeletedConnection | undefined {
  return states.get(ws)?.departed
}

export async function broadcastFrom(
  store: ConnectionStore | undefined,
  streamer: StreamerClient,
  target: BroadcastTarget,
  data: PostData,
  options: ConnectionsBroadcastOptions,
): Promise<ConnectionsBroadcastResult> {
  return broadcast({ store: requireStore(store, 'broadcast()'), streamer }, target, data, options)
}

/** app.broadcast() outside a WebSocket event: the endpoint comes from the options or the App. */
export async function broadcastFromApp(
  host: {
    connections?: ConnectionStore
    endpointOptions: { endpoint?: string }
    region?: string
    streamerFor(endpoint: string, region: string | undefined): StreamerClient
  },
  target: BroadcastTarget,
  data: PostData,
  options: ConnectionsBroadcastOptions & { endpoint?: string },
): Promise<ConnectionsBroadcastResult> {
  const { endpoint = host.endpointOptions.endpoint, ...rest } = options
  if (!endpoint) {
    throw new AppError(
      'internal',
      'app.broadcast() needs the @connections endpoint: pass { endpoint }, set managementEndpoint on the App or SOCKETEER_MANAGEMENT_ENDPOINT',
    )
  }
  return broadcastFrom(host.connections, host.streamerFor(endpoint, host.region), target, data, rest)
}

/** Before the route's handlers: `$disconnect` deletes first, so they never reach the departed id. */
export async function beforeHandlers(
  store: ConnectionStore | undefined,
  ws: ConnectionEventView,
  log: Logger,
): Promise<void> {
  if (!store || ws.eventType !== 'DISCONNECT') return
  try {
    stateOf(ws).departed = await store.delete(ws.connectionId)
  } catch (error) {
    // $disconnect handlers still run; the record's TTL removes what this left.
    log.error('connection store: delete on $disconnect failed', { connectionId: ws.connectionId, error })
  }
}

/**
 * After the route's handlers: an accepted `$connect` (2xx) is saved with its pending
 * groups. A refused one is never saved. If saving fails the handshake is refused too
 * (the error propagates), since a live but unregistered connection would miss every broadcast.
 */
export async function afterHandlers(
  store: ConnectionStore | undefined,
  ws: ConnectionEventView,
  result: { statusCode: number },
): Promise<void> {
  if (!store || ws.eventType !== 'CONNECT') return
  if (result.statusCode < 200 || result.statusCode > 299) return
  const state = states.get(ws)
  // socketeer/client's session id: the connection joins the session's group.
  const session = ws.query[SESSION_PARAM]
  const sessionAttribute = session !== undefined && SESSION_ID.test(session) ? { session } : {}
  const groups = new Set(state?.groups)
  if (sessionAttribute.session !== undefined) groups.add(sessionGroup(sessionAttribute.session))
  const { principalId: _p, integrationLatency: _l, ...authorizerContext } = ws.authorizer ?? {}
  const record = {
    connectionId: ws.connectionId,
    endpoint: ws.managementEndpoint,
    connectedAt: ws.connectedAt,
    attributes: { ...authorizerContext, ...state?.attributes, ...sessionAttribute },
    ...(ws.principalId === undefined ? {} : { principalId: ws.principalId }),
  }
  await store.put(record)
  try {
    await Promise.all([...groups].map((group) => store.join(ws.connectionId, group)))
  } catch (error) {
    await store.delete(ws.connectionId).catch(() => {})
    throw error
  }
}

/** The session id (socketeer/client) the connection registered on `$connect`, from its record. */
export async function sessionOf(
  ws: ConnectionEventView,
  store: ConnectionStore | undefined,
): Promise<string | undefined> {
  const s = requireStore(store, 'ws.session()')
  if (ws.eventType === 'CONNECT') {
    const session = ws.query[SESSION_PARAM]
    return session !== undefined && SESSION_ID.test(session) ? session : undefined
  }
  const session = (await s.get(ws.connectionId))?.attributes.session
  return typeof session === 'string' ? session : undefined
}
