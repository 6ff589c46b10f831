import type { IncomingMessage } from 'node:http'
import type { HeaderInput } from '../../events/websocket.js'
import { BodyTooLargeError } from './errors.js'

// What the gateway reads off a live HTTP request, in the shapes the event builders take.

/** Headers as the client sent them: original name case, repeated headers kept in order. */
export function headersOf(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  const byLower = new Map<string, string>()
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!
    const lower = name.toLowerCase()
    const first = byLower.get(lower)
    if (first === undefined) {
      byLower.set(lower, name)
      out[name] = [raw[i + 1]!]
    } else out[first]!.push(raw[i + 1]!)
  }
  return out
}

export function withHeaders(headers: HeaderInput, extra: Record<string, string>): HeaderInput {
  const out: HeaderInput = { ...headers }
  const present = new Set(Object.keys(out).map((k) => k.toLowerCase()))
  for (const [name, value] of Object.entries(extra)) if (!present.has(name.toLowerCase())) out[name] = value
  return out
}

/** The peer address without the IPv4-mapped prefix (`::ffff:127.0.0.1` → `127.0.0.1`). */
export function sourceIpOf(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '127.0.0.1'
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

/** Path and query of the request URL; the path stays percent-encoded. */
export function splitUrl(url: string | undefined): { pathname: string; query: URLSearchParams | undefined } {
  const raw = url ?? '/'
  const q = raw.indexOf('?')
  const pathname = q < 0 ? raw : raw.slice(0, q)
  const search = q < 0 ? '' : raw.slice(q + 1)
  return { pathname: pathname || '/', query: search ? new URLSearchParams(search) : undefined }
}

/** The whole request body; rejects with BodyTooLargeError past `limit` bytes (and stops buffering). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        over = true
        chunks.length = 0
        return
      }
      if (!over) chunks.push(chunk)
    })
    req.on('end', () =>
      over ? reject(new BodyTooLargeError(`body over ${limit} bytes`)) : resolve(Buffer.concat(chunks)),
    )
    req.on('error', reject)
    // A client that goes away mid-body: settle, so nothing waits for it forever.
    req.on('close', () => {
      if (!req.complete) reject(new Error('the client went away before the body ended'))
    })
  })
}
