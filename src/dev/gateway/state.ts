import type { ConnectionsModel } from '../../management/model.js'
import type { DevLogger } from '../log.js'
import type { ResolvedOptions } from '../options.js'
import type { Connection } from './connection.js'
import type { HostPolicy } from './host.js'
import type { IntegrationTable } from './integrations.js'

/** What the parts of a running gateway share. */
export interface GatewayState {
  options: ResolvedOptions
  table: IntegrationTable
  /** The @connections model: which ids are live and what post/get/delete mean. */
  model: ConnectionsModel
  log: DevLogger
  /** Live sockets by connection id (the model says open; this holds the socket). */
  connections: Map<string, Connection>
  /** Work still running (handshakes, $disconnect), awaited by close(). */
  pending: Set<Promise<unknown>>
  /** The host:port the gateway listens on, for clients that send no Host header. */
  address(): string
  /** Which Host headers the gateway answers, and the `domainName` each gives events. */
  hosts: HostPolicy
}

/** Keeps a promise in `pending` until it settles. */
export function track(state: GatewayState, work: Promise<unknown>): void {
  state.pending.add(work)
  work.finally(() => state.pending.delete(work)).catch(() => {})
}
