import { connect as netConnect } from 'node:net'
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi'
import { afterEach } from 'vitest'
import { type ClientOptions, WebSocket } from 'ws'
import { type Gateway, type GatewayOptions, startGateway } from '../../src/dev/index.js'

// Real parts only: the gateway on an ephemeral port, the `ws` client, the AWS SDK client.

process.env.AWS_ACCESS_KEY_ID ??= 'test'
process.env.AWS_SECRET_ACCESS_KEY ??= 'test'
process.env.AWS_REGION ??= 'us-east-1'

const started: Gateway[] = []
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await Promise.all(started.splice(0).map((gw) => gw.close()))
})

export interface Started {
  gw: Gateway
  lines: string[]
  /** Resolves when a log line matching the pattern appears (bounded wait). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>
}

export async function start(options: GatewayOptions): Promise<Started> {
  const lines: string[] = []
  const gw = await startGateway({ port: 0, logger: (line) => lines.push(line), ...options })
  started.push(gw)
  const waitForLine = async (pattern: RegExp, timeoutMs = 3000) => {
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      const hit = lines.find((l) => pattern.test(l))
      if (hit) return hit
      await sleep(10)
    }
    throw new Error(`no log line matching ${pattern} in:\n${lines.join('\n')}`)
  }
  return { gw, lines, waitForLine }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A `ws` client with a message inbox. */
export interface Client {
  ws: WebSocket
  /** The next message (text, or Buffer for binary frames), within a bounded time. */
  next(timeoutMs?: number): Promise<{ data: string; binary: boolean }>
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>
  /** Messages received so far and not taken by next(). */
  inbox: Array<{ data: string; binary: boolean }>
}

export function client(url: string, protocols?: string | string[], options?: ClientOptions): Client {
  const ws = new WebSocket(url, protocols, options)
  sockets.push(ws)
  const inbox: Array<{ data: string; binary: boolean }> = []
  const waiters: Array<(m: { data: string; binary: boolean }) => void> = []
  ws.on('message', (data, binary) => {
    const m = { data: (data as Buffer).toString('utf8'), binary }
    const w = waiters.shift()
    if (w) w(m)
    else inbox.push(m)
  })
  ws.on('error', () => {})
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const next = (timeoutMs = 3000) => {
    const queued = inbox.shift()
    if (queued) return Promise.resolve(queued)
    return new Promise<{ data: string; binary: boolean }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within the time limit')), timeoutMs)
      waiters.push((m) => {
        clearTimeout(timer)
        resolve(m)
      })
    })
  }
  return { ws, next, closed, inbox }
}

/** Opens a client and waits for the handshake. */
export async function connected(
  url: string,
  protocols?: string | string[],
  options?: ClientOptions,
): Promise<Client> {
  const c = client(url, protocols, options)
  await new Promise<void>((resolve, reject) => {
    c.ws.once('open', () => resolve())
    c.ws.once('error', reject)
  })
  return c
}

/** The handshake's failure as the `ws` client reports it (e.g. `Unexpected server response: 401`). */
export function refused(
  url: string,
  protocols?: string | string[],
  options?: ClientOptions,
): Promise<string> {
  const c = client(url, protocols, options)
  return new Promise((resolve, reject) => {
    c.ws.once('open', () => reject(new Error('the handshake was accepted')))
    c.ws.once('error', (error) => resolve(error.message))
  })
}

export function sdk(endpoint: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  })
}

/** Collects the events a plain handler received. */
export function recorder(result: (event: any) => unknown = () => ({ statusCode: 200 })) {
  const events: any[] = []
  const handler = async (event: any) => {
    events.push(event)
    return result(event)
  }
  const waitFor = async (predicate: (e: any) => boolean, timeoutMs = 3000) => {
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      const hit = events.find(predicate)
      if (hit) return hit
      await sleep(10)
    }
    throw new Error(`no matching event among ${events.length}`)
  }
  return { events, handler, waitFor }
}

/** A hand-rolled client on a raw TCP socket, for frames the `ws` client refuses to send. */
export async function rawSocket(port: number, path = '/dev') {
  const socket = netConnect(port, '127.0.0.1')
  socket.on('error', () => {})
  let received = Buffer.alloc(0)
  socket.on('data', (d) => {
    received = Buffer.concat([received, d])
  })
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  )
  const until = Date.now() + 3000
  while (!received.includes('\r\n\r\n')) {
    if (Date.now() > until) throw new Error('no handshake answer')
    await sleep(5)
  }
  const head = received.subarray(0, received.indexOf('\r\n\r\n')).toString()
  received = received.subarray(received.indexOf('\r\n\r\n') + 4)
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  return {
    socket,
    head,
    closed,
    received: () => received,
    /** Writes one masked frame (mask of zeros, so the payload goes as is). */
    frame(opcode: number, payload: Buffer, fin = true) {
      const len = payload.length
      const header =
        len < 126
          ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len])
          : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 0xff])
      socket.write(Buffer.concat([header, Buffer.alloc(4), payload]))
    },
  }
}
