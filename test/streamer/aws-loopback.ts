import { createHash, createHmac } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignatureV4 } from '@smithy/signature-v4'

// A loopback node:http server that answers like the @connections API (semantics page,
// section 4): status, x-amzn-ErrorType, x-amzn-RequestId, JSON bodies, an empty 410.
// Written from the semantics page rather than from src/management/wire.ts, so the
// client is checked against an independent oracle. It counts TCP connections and
// requests in flight, which is how keep-alive reuse and broadcast bounds are proven.
//
// Every request's SigV4 signature is checked, as AWS checks it: recomputed with the AWS
// SDK's own signer (@smithy/signature-v4, not the `aws4` package the default transport
// signs with) from the secret of the key id it names, the headers it says it signed, the
// path as received and the body. A mismatch gets AWS's 403 InvalidSignatureException.

export interface SeenRequest {
  method: string
  /** The raw request path, as sent (still URL-encoded). */
  path: string
  /** The connection id, URL-decoded, when the path is /{stage}/@connections/{id}. */
  connectionId?: string
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** Which TCP connection carried it (1-based). */
  socket: number
}

export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: string
  /** Hold the reply this long (simulates the service's latency). */
  delayMs?: number
}

/** `hang`: never answer; `reset`: destroy the socket without an answer. */
export type Responder = (req: SeenRequest) => Reply | 'hang' | 'reset' | Promise<Reply>

let requestCounter = 0
const rid = () => `loopback-${++requestCounter}`

export const aws = {
  ok: (delayMs?: number): Reply => ({
    status: 200,
    headers: { 'x-amzn-RequestId': rid() },
    body: '',
    delayMs,
  }),
  noContent: (): Reply => ({ status: 204, headers: { 'x-amzn-RequestId': rid() } }),
  connection: (info: {
    connectedAt: string
    lastActiveAt: string
    sourceIp: string
    userAgent?: string
  }): Reply => {
    const identity: Record<string, string> = { sourceIp: info.sourceIp }
    if (info.userAgent !== undefined) identity.userAgent = info.userAgent
    return {
      status: 200,
      headers: { 'x-amzn-RequestId': rid(), 'content-type': 'application/json' },
      body: JSON.stringify({ connectedAt: info.connectedAt, identity, lastActiveAt: info.lastActiveAt }),
    }
  },
  error: (status: number, type: string, message?: string, headers: Record<string, string> = {}): Reply => ({
    status,
    headers: {
      'x-amzn-ErrorType': type,
      'x-amzn-RequestId': rid(),
      'content-type': 'application/json',
      ...headers,
    },
    body: message === undefined ? '' : JSON.stringify({ message }),
  }),
  gone: (): Reply => aws.error(410, 'GoneException'),
  forbidden: (): Reply => aws.error(403, 'ForbiddenException', 'Forbidden'),
  tooLarge: (): Reply => aws.error(413, 'PayloadTooLargeException', 'Request entity too large'),
  throttled: (headers?: Record<string, string>): Reply =>
    aws.error(429, 'LimitExceededException', 'Rate exceeded', headers),
  internal: (): Reply => aws.error(500, 'InternalServerErrorException', 'Internal server error'),
  /** What serverless-offline and friends send: a status and nothing else. */
  bare: (status: number, body = ''): Reply => ({ status, body }),
}

export interface Loopback {
  /** `http://127.0.0.1:{port}/{stage}` */
  endpoint: string
  port: number
  stage: string
  requests: SeenRequest[]
  /** TCP connections accepted so far. */
  connections(): number
  /** The most requests ever being answered at once. */
  maxInFlight(): number
  respond: Responder
  close(): Promise<void>
}

/** The secrets of the key ids tests sign with; any other key id is refused as AWS would. */
export const SECRETS: Record<string, string> = {
  AKIDSOCKETEERTEST: 'socketeer-test-secret',
  AKIDOTHER: 'other',
  x: 'y',
}

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d)

class NodeSha256 {
  readonly #h
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret))
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.#h.update(bytes(data))
  }
  async digest() {
    return new Uint8Array(this.#h.digest())
  }
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/

/** Undefined when the signature is right; else the reply AWS would give. */
export async function checkSignature(req: SeenRequest): Promise<Reply | undefined> {
  const m = AUTH.exec(String(req.headers.authorization ?? ''))
  if (!m)
    return aws.error(
      403,
      'IncompleteSignatureException',
      'Authorization header requires a valid SigV4 signature',
    )
  const [, keyId, , region, service, signedList, signature] = m
  const secret = SECRETS[keyId!]
  if (secret === undefined)
    return aws.error(
      403,
      'UnrecognizedClientException',
      'The security token included in the request is invalid',
    )
  const signed = signedList!.split(';')
  const headers: Record<string, string> = {}
  for (const name of signed) {
    const value = req.headers[name]
    if (value === undefined)
      return aws.error(403, 'InvalidSignatureException', `signed header ${name} missing`)
    headers[name] = Array.isArray(value) ? value.join(',') : value
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '')
  const at = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)
  if (!at) return aws.error(403, 'IncompleteSignatureException', 'x-amz-date missing')
  const signingDate = new Date(`${at[1]}-${at[2]}-${at[3]}T${at[4]}:${at[5]}:${at[6]}Z`)
  const signer = new SignatureV4({
    service: service!,
    region: region!,
    credentials: {
      accessKeyId: keyId!,
      secretAccessKey: secret,
      sessionToken: req.headers['x-amz-security-token'] as string | undefined,
    },
    sha256: NodeSha256,
    applyChecksum: false,
  })
  const [pathname, query = ''] = req.path.split('?')
  const out = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: String(req.headers.host ?? '').replace(/:\d+$/, ''),
      path: pathname!,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers,
      body: req.body.length === 0 ? undefined : req.body,
    },
    { signingDate },
  )
  const expected = /Signature=([0-9a-f]{64})/.exec(String(out.headers.authorization))?.[1]
  if (expected !== signature) {
    return aws.error(
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided.',
    )
  }
  return undefined
}

/**
 * Answers 403 ForbiddenException, as AWS does, for any path that is not
 * /{stage}/@connections/{id}; otherwise asks `respond` (default: 200 / 204 / a GET body).
 */
export async function startLoopback(respond?: Responder, stage = 'prod'): Promise<Loopback> {
  let sockets = 0
  let inFlight = 0
  let maxInFlight = 0
  const requests: SeenRequest[] = []
  const socketIds = new WeakMap<object, number>()
  const server = http.createServer((req, res) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? ''
      const prefix = `/${stage}/@connections/`
      const seen: SeenRequest = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks),
        socket: socketIds.get(req.socket) ?? 0,
      }
      if (path.startsWith(prefix) && !path.slice(prefix.length).includes('/')) {
        seen.connectionId = decodeURIComponent(path.slice(prefix.length))
      }
      requests.push(seen)
      void checkSignature(seen).then((refused) => {
        if (refused) return reply(refused)
        const answer =
          seen.connectionId === undefined ? aws.forbidden() : (loopback.respond ?? defaultResponder)(seen)
        if (answer instanceof Promise) void answer.then((r) => reply(r))
        else reply(answer)
      })
    })
    const reply = (r: Reply | 'hang' | 'reset') => {
      if (r === 'hang') {
        res.on('close', () => inFlight--)
        return
      }
      if (r === 'reset') {
        inFlight--
        req.socket.destroy()
        return
      }
      const send = () => {
        inFlight--
        res.writeHead(r.status, r.headers ?? {})
        res.end(r.body ?? '')
      }
      if (r.delayMs) setTimeout(send, r.delayMs)
      else send()
    }
  })
  server.on('connection', (socket) => {
    sockets++
    socketIds.set(socket, sockets)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const loopback: Loopback = {
    endpoint: `http://127.0.0.1:${port}/${stage}`,
    port,
    stage,
    requests,
    connections: () => sockets,
    maxInFlight: () => maxInFlight,
    respond: respond ?? defaultResponder,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return loopback
}

/**
 * Holds every reply until `n` requests are waiting, lets `settleMs` pass (so a client
 * that overshoots shows up in maxInFlight), then answers them all. A client that never
 * gets `n` in flight is released after `giveUpMs`, and `stalled` says so.
 */
export function barrier(n: number, settleMs = 20, giveUpMs = 3000): Responder & { stalled: boolean } {
  let held: Array<() => void> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const release = () => {
    clearTimeout(timer)
    timer = undefined
    const h = held
    held = []
    for (const f of h) f()
  }
  const responder = Object.assign(
    () =>
      new Promise<Reply>((resolve) => {
        held.push(() => resolve(aws.ok()))
        if (held.length === n) {
          clearTimeout(timer)
          timer = setTimeout(release, settleMs)
        } else if (held.length === 1) {
          timer = setTimeout(() => {
            responder.stalled = true
            release()
          }, giveUpMs)
        }
      }),
    { stalled: false },
  )
  return responder
}

function defaultResponder(req: SeenRequest): Reply {
  if (req.method === 'DELETE') return aws.noContent()
  if (req.method === 'GET') {
    return aws.connection({
      connectedAt: '2024-01-20T11:54:57.419Z',
      lastActiveAt: '2024-01-20T11:55:00.453Z',
      sourceIp: '49.105.91.154',
    })
  }
  return aws.ok()
}

/** Dummy credentials: the SDK signs every request and refuses to send without them. */
export function useDummyCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDSOCKETEERTEST'
  process.env.AWS_SECRET_ACCESS_KEY = 'socketeer-test-secret'
  delete process.env.AWS_SESSION_TOKEN
  delete process.env.AWS_PROFILE
}
