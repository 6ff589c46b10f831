import { networkInterfaces } from 'node:os'
import { registerLocalTransport } from '../../streamer/transport/local.js'
import type { Transport } from '../../streamer/transport/types.js'
import type { GatewayState } from '../gateway/state.js'

// Handlers running inside the gateway reach @connections in-process: the same model
// and the same typed errors as the HTTP endpoint, minus the SDK's HTTP round trip.
// Other processes (boto3, the CLI, a backend) keep using HTTP.

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i

function localAddresses(): Set<string> {
  const out = new Set<string>()
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(a.family === 'IPv6' ? `[${a.address}]` : a.address)
  }
  return out
}

/** The endpoint URLs this gateway answers: its port and stage on any address that reaches it. */
function matcher(state: GatewayState, port: number): (url: URL) => boolean {
  const listen = state.options.host
  const any = listen === '0.0.0.0' || listen === '::' || listen === ''
  const addresses = any ? localAddresses() : new Set([listen, `[${listen}]`])
  const path = `/${state.options.stage}`
  return (url) =>
    url.protocol === 'http:' &&
    Number(url.port || 80) === port &&
    url.pathname.replace(/\/+$/, '') === path &&
    (LOOPBACK.test(url.hostname) || addresses.has(url.hostname))
}

/** The caller of an in-process call that named no invocation. */
export const UNNAMED = 'in-process'

// One string per operation, not one per call: the inspector's ring keeps the route of every call.
const ROUTES: Record<string, string> = {
  POST: 'POST in-process',
  GET: 'GET in-process',
  DELETE: 'DELETE in-process',
}

function inProcessTransport(state: GatewayState): Transport {
  const { model, log } = state
  // Run on a later tick, as a network call would, so a handler's ordering does not depend on it.
  // The caller names its invocation (an App does, through its context's call options):
  // the inspector files the call under it. A client that does not is 'in-process'.
  const run = <T>(
    op: string,
    connectionId: string,
    requestId: string | undefined,
    fn: () => T,
    data?: Uint8Array,
  ): Promise<T> =>
    Promise.resolve().then(() => {
      const facts = { caller: requestId ?? UNNAMED, data, bytes: data?.length }
      try {
        const out = fn()
        log({
          kind: 'MANAGE',
          route: ROUTES[op],
          connectionId,
          status: op === 'DELETE' ? 204 : 200,
          ...facts,
        })
        return out
      } catch (error) {
        const status = (error as { status?: number }).status
        log({
          kind: 'MANAGE',
          route: ROUTES[op],
          connectionId,
          status: status ?? 500,
          error,
          ...facts,
        })
        throw error
      }
    })
  return {
    // Answers on the next tick: nothing to time out, and no signal worth listening to.
    boundsAttempts: true,
    // A copy, as a request body would be: the caller may reuse its buffer once this
    // resolves, while the socket still holds the frame. (Not `slice()`: on a Buffer
    // that is a view.)
    post: (id, data, _signal, _timeoutMs, requestId) => {
      const copy = new Uint8Array(data)
      return run('POST', id, requestId, () => model.post(id, copy), copy)
    },
    get: (id, _signal, _timeoutMs, requestId) => run('GET', id, requestId, () => model.get(id)),
    delete: (id, _signal, _timeoutMs, requestId) => run('DELETE', id, requestId, () => model.delete(id)),
  }
}

export function registerInProcess(state: GatewayState, port: number): () => void {
  return registerLocalTransport({ matches: matcher(state, port), transport: inProcessTransport(state) })
}
