import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayState } from '../gateway/state.js'
import type { InspectorOptions } from '../options.js'
import { Recorder } from './recorder.js'
import { INSPECTOR_PATH, InspectorRoutes, type InspectorSettings } from './routes.js'

// The inspector: a subscriber of the gateway's log (the same records the text log
// prints) and the routes that show them. It adds nothing to the message path. An App
// handler's @connections calls name their invocation (CallOptions.requestId), so the
// page files each call under the event that made it.

export { INSPECTOR_PATH }

// 500 records: under load, what the ring holds must mostly die before the next scavenge,
// or every record is copied by the young generation. With an echo App at 50 connections
// a ring of 500 cost nothing measurable and one of 1000 about 8% of the gateway's CPU
// (docs/performance.md, inspector).
export const INSPECTOR_DEFAULTS = { maxEvents: 500, maxBodyBytes: 64 * 1024, maxClosed: 200 } as const

export interface Inspector {
  /** Whether a request path is the inspector's. */
  owns(path: string): boolean
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>
  readonly recorder: Recorder
  close(): void
}

function count(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1)
    throw new TypeError(`inspector.${name} must be a positive integer`)
  return value
}

export function startInspector(
  state: GatewayState,
  options: InspectorOptions,
  urls: InspectorSettings['urls'],
): Inspector {
  const maxEvents = count('maxEvents', options.maxEvents, INSPECTOR_DEFAULTS.maxEvents)
  const maxBodyBytes = count('maxBodyBytes', options.maxBodyBytes, INSPECTOR_DEFAULTS.maxBodyBytes)
  const recorder = new Recorder(
    { maxEvents, maxBodyBytes, maxClosed: INSPECTOR_DEFAULTS.maxClosed },
    (id) => state.connections.get(id)?.facts,
    () => state.table.generation,
  )
  const unsubscribe = state.log.subscribe(recorder.record)
  const routes = new InspectorRoutes(state, recorder, {
    maxEvents,
    maxBodyBytes,
    allowRemote: options.allowRemote ?? false,
    appImport: options.appImport ?? './app.js',
    urls,
  })
  return {
    owns: (path) => path === INSPECTOR_PATH || path.startsWith(`${INSPECTOR_PATH}/`),
    handle: (req, res, path) => routes.handle(req, res, path),
    recorder,
    close() {
      unsubscribe()
      routes.close()
    },
  }
}
