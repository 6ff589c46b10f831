import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'

// Node hands every request that offers an upgrade to the 'upgrade' listener, h2c
// (`curl --http2`) included. A server may ignore an upgrade offer (RFC 9110, 7.8) and
// the HTTP routes do not speak h2c, so only WebSocket offers go to the handshake; the
// others go back to the HTTP server and get a plain HTTP/1.1 answer.

/** Whether the client offers a WebSocket (a malformed handshake is still refused as one). */
export function offersWebSocket(req: IncomingMessage): boolean {
  return /(^|,)\s*websocket\s*(,|$)/i.test(req.headers.upgrade ?? '')
}

/**
 * The HTTP server parses the request again without its `Upgrade` header, so it arrives
 * as an ordinary request: body (any framing) and keep-alive as usual. Node takes a
 * request for an upgrade only when it has that header, whatever `Connection` or
 * `Proxy-Connection` say, so the request cannot come back here.
 */
export function serveWithoutUpgrade(
  server: Server,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`]
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'upgrade') lines.push(`${raw[i]}: ${raw[i + 1]}`)
  }
  // Header bytes were read as latin1, so they go back the same way.
  socket.unshift(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]))
  server.emit('connection', socket)
}
