import type { IncomingMessage, ServerResponse } from 'node:http'
import { MAX_MESSAGE_BYTES } from '../../streamer/limits.js'
import { BodyTooLargeError } from '../gateway/errors.js'
import { readBody } from '../gateway/request.js'
import type { GatewayState } from '../gateway/state.js'
import { disconnect, postTo, replay } from './actions.js'
import { InspectorError } from './errors.js'
import { refusal } from './guard.js'
import { INSPECTOR_PAGE } from './page.js'
import type { Recorder } from './recorder.js'
import { withRegistry } from './registry.js'
import { testSnippet } from './snippet.js'
import { detail, type Summary, summary } from './views.js'

// The inspector's HTTP face under /_socketeer/: the page, JSON over the recorder,
// a server-sent-events stream of new records, and the actions.

export const INSPECTOR_PATH = '/_socketeer'

export interface InspectorSettings {
  maxEvents: number
  maxBodyBytes: number
  allowRemote: boolean
  /** The module the copied tests import the App from (relative to the project root). */
  appImport: string
  /** The gateway's URLs, for the page's header and its test client. */
  urls(): { url: string; httpUrl: string; managementEndpoint: string }
}

// Past this a stream's socket is not keeping up: drop records and tell the page to reload.
const STREAM_BACKLOG_BYTES = 4 * 1024 * 1024
const FLUSH_MS = 50
const HEARTBEAT_MS = 15_000

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

function seqOf(text: string): number {
  const seq = Number(text)
  if (!Number.isInteger(seq) || seq < 1)
    throw new InspectorError(400, `Not an event number: ${JSON.stringify(text)}`)
  return seq
}

export class InspectorRoutes {
  readonly #streams = new Set<ServerResponse>()

  constructor(
    private readonly state: GatewayState,
    private readonly recorder: Recorder,
    private readonly settings: InspectorSettings,
  ) {}

  /** Ends every open stream (the gateway is closing). */
  close(): void {
    for (const res of this.#streams) res.end()
    this.#streams.clear()
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const refused = refusal(req, {
      listenHost: this.state.options.host,
      allowRemote: this.settings.allowRemote,
    })
    if (refused) {
      req.resume()
      return sendJson(res, 403, { message: refused })
    }
    try {
      await this.#route(req, res, path.slice(INSPECTOR_PATH.length))
    } catch (error) {
      if (!(error instanceof InspectorError)) throw error
      req.resume()
      if (!res.headersSent) sendJson(res, error.status, { message: error.message })
      else res.end()
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET'
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
    if (path === '') {
      res.writeHead(308, { location: `${INSPECTOR_PATH}/` })
      return void res.end()
    }
    if (parts.length === 0 && method === 'GET') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // The page is ours alone: no framing by other sites, no scripts but its own.
        'x-frame-options': 'DENY',
        'content-security-policy':
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self' ws: http:",
      })
      return void res.end(INSPECTOR_PAGE)
    }
    if (parts[0] !== 'api') throw new InspectorError(404, `No inspector page at ${path}`)
    const [, what, id, action] = parts
    if (what === 'state' && method === 'GET') return sendJson(res, 200, await this.#state())
    if (what === 'stream' && method === 'GET') return this.#stream(req, res)
    if (what === 'connections' && id === undefined && method === 'GET')
      return sendJson(res, 200, await withRegistry(this.state, [...this.recorder.connections.values()]))
    if (what === 'connections' && id !== undefined) {
      if (action === 'messages' && method === 'POST') {
        const body = await this.#body(req)
        postTo(this.state, id, body)
        return sendJson(res, 200, { message: `Posted ${body.length} bytes to ${id}` })
      }
      if (action === undefined && method === 'DELETE') {
        disconnect(this.state, id)
        return sendJson(res, 200, { message: `Closed ${id} with 1000, as DeleteConnection does` })
      }
    }
    if (what === 'events' && id !== undefined) {
      const seq = seqOf(id)
      if (action === 'replay' && method === 'POST') {
        req.resume()
        return sendJson(res, 200, await replay(this.state, this.recorder, seq))
      }
      const entry = this.recorder.get(seq)
      if (!entry)
        throw new InspectorError(
          404,
          `#${seq} is no longer held: the inspector keeps the last ${this.settings.maxEvents} events`,
        )
      if (action === undefined && method === 'GET')
        return sendJson(res, 200, detail(entry, this.recorder, this.state.table.generation))
      if (action === 'test' && method === 'GET') {
        const calls = entry.invocation ? this.recorder.callsOf(entry.invocation) : []
        const liveAt = [...this.recorder.connections.values()]
          .filter((c) => c.connectedAt <= entry.at && (c.closedAt === undefined || c.closedAt >= entry.at))
          .map((c) => c.id)
        const tied = this.recorder.callsTied(entry)
        const text = testSnippet(entry, calls, this.settings.appImport, tied ? undefined : liveAt)
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
        return void res.end(text)
      }
    }
    throw new InspectorError(404, `No inspector route ${method} ${path}`)
  }

  async #body(req: IncomingMessage): Promise<Uint8Array> {
    try {
      // Twice the service's limit is read, so an oversized message is answered as @connections would.
      return await readBody(req, 2 * MAX_MESSAGE_BYTES)
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        throw new InspectorError(
          413,
          `The message is over ${MAX_MESSAGE_BYTES} bytes, API Gateway's limit (PayloadTooLargeException)`,
        )
      throw error
    }
  }

  async #state() {
    return {
      gateway: { ...this.settings.urls(), stage: this.state.options.stage },
      limits: { maxEvents: this.settings.maxEvents, maxBodyBytes: this.settings.maxBodyBytes },
      lastSeq: this.recorder.lastSeq,
      events: this.recorder.after(0).map(summary),
      connections: await withRegistry(this.state, [...this.recorder.connections.values()]),
    }
  }

  #stream(req: IncomingMessage, res: ServerResponse): void {
    const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('after') ?? '0') || 0
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    // What was sent so far. A record only wakes the stream; the summaries are built from
    // the ring and written in one piece per FLUSH_MS, so the gateway pays nothing per
    // record for the page beyond this check.
    let sent = after
    let timer: NodeJS.Timeout | undefined
    const flush = () => {
      timer = undefined
      const last = this.recorder.lastSeq
      if (last <= sent) return
      if (res.writableLength > STREAM_BACKLOG_BYTES) {
        // The socket is not keeping up: skip to now and tell the page.
        res.write('event: gap\ndata: {}\n\n')
        sent = last
        return
      }
      // Records that left the ring before they were sent.
      if (sent > 0 && sent + 1 < this.recorder.firstSeq) res.write('event: gap\ndata: {}\n\n')
      const out: Summary[] = []
      for (let seq = Math.max(sent + 1, this.recorder.firstSeq); seq <= last; seq++) {
        const entry = this.recorder.get(seq)
        if (entry) out.push(summary(entry))
      }
      sent = last
      res.write(`data: ${JSON.stringify(out)}\n\n`)
    }
    // Half a ring behind: send now rather than lose records to the ring before the timer.
    const soon = Math.max(1, Math.floor(this.settings.maxEvents / 2))
    const unsubscribe = this.recorder.subscribe((seq) => {
      if (seq - sent < soon) timer ??= setTimeout(flush, FLUSH_MS)
      else {
        if (timer) clearTimeout(timer)
        flush()
      }
    })
    // Something at once, so the page (and fetch) see the stream open before any record.
    res.write(': socketeer inspector\n\n')
    flush()
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS).unref()
    this.#streams.add(res)
    res.on('close', () => {
      unsubscribe()
      clearInterval(heartbeat)
      if (timer) clearTimeout(timer)
      this.#streams.delete(res)
    })
  }
}
