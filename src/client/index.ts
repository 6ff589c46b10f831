// socketeer/client: the browser and Node client for API Gateway WebSockets.
// No node: imports; the App is imported for its type only.

import type { App } from '../app/app.js'
import { SocketeerClient } from './client.js'
import type { ActionsOf, Client, ClientOptions, UrlSource } from './types.js'

/**
 * Connects to `url` (or to what the function returns, called again on every connect so
 * each handshake can carry a fresh token). `createClient<typeof app>(...)` types actions,
 * data and replies from the App's route declarations.
 */
export function createClient<A extends App<any> | undefined = undefined, M = unknown>(
  url: UrlSource,
  options: ClientOptions<ActionsOf<A>> = {},
): Client<ActionsOf<A>, M> {
  return new SocketeerClient<ActionsOf<A>, M>(url, options)
}

export {
  ClientClosedError,
  ClientError,
  ConnectError,
  GatewayError,
  QueueFullError,
  RequestTimeoutError,
  ServerError,
} from './errors.js'
export type {
  ActionsOf,
  BackoffOptions,
  Client,
  ClientEvents,
  ClientOptions,
  CloseInfo,
  ConnectReason,
  Link,
  MessageMeta,
  OpenInfo,
  ReconnectInfo,
  RequestOptions,
  RouteMap,
  RouteSpec,
  SocketConstructor,
  SocketLike,
  UrlSource,
} from './types.js'
