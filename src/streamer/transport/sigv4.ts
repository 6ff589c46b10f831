import type http from 'node:http'
import { StreamerError } from '../errors.js'
import type { ConnectionInfo } from '../types.js'
import { type Answer, errorForAnswer, errorForNoAnswer, errorTypeName, isCutOffSuccess } from './classify.js'
import { type CredentialSource, credentialSource } from './credentials.js'
import type { AwsCredentials, AwsCredentialsProvider, Transport } from './types.js'

// The default transport: each @connections call is one HTTP request signed with SigV4 by
// `aws4` (a small, dependency-free signer; the signature is checked against AWS's own test
// vectors and against the SDK's signer in test/streamer/transport/) and sent over a
// keep-alive agent. About a third of the AWS SDK's CPU per send, and no SDK module
// loaded on Lambda (credentials come from the environment there).

export interface SigV4TransportOptions {
  endpoint: string
  region: string
  /** Default: the environment, else the SDK's default provider chain (loaded only then). */
  credentials?: AwsCredentials | AwsCredentialsProvider | undefined
  /** Default: one keep-alive agent per protocol for the whole process. */
  agent?: http.Agent | undefined
}

// Loaded on first use: importing socketeer must not pay for node:http, node:https or
// node:crypto (which aws4 needs), a few milliseconds of every cold start that sends nothing.
interface Wire {
  http: typeof import('node:http')
  https: typeof import('node:https')
  aws4: typeof import('aws4')
}
let wire: Wire | undefined
let loading: Promise<Wire> | undefined
function loadWire(): Promise<Wire> {
  loading ??= Promise.all([import('node:http'), import('node:https'), import('aws4')]).then(
    ([h, hs, a]) => {
      wire = {
        http: h.default ?? h,
        https: hs.default ?? hs,
        aws4: (a as { default?: Wire['aws4'] }).default ?? a,
      }
      return wire
    },
    (error: unknown) => {
      loading = undefined
      if (/Dynamic require of/.test(String((error as Error)?.message))) {
        // esbuild's ESM output cannot require() Node's builtins, which aws4 (CommonJS) does.
        throw Object.assign(
          new Error(
            'the SigV4 signer (aws4, CommonJS) cannot load in this ESM bundle: add the banner "import { createRequire } from \'node:module\'; const require = createRequire(import.meta.url);" (CDK: bundling.banner), or bundle as CommonJS',
            { cause: error },
          ),
          { code: 'ERR_MODULE_NOT_FOUND' },
        )
      }
      throw error
    },
  )
  return loading
}

// Above the default broadcast concurrency (64), so a broadcast never queues inside the
// agent. https.Agent keeps TLS sessions for resumption (maxCachedSessions 100) by default.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 128 }
let httpAgent: http.Agent | undefined
let httpsAgent: http.Agent | undefined

function sharedAgent(w: Wire, secure: boolean): http.Agent {
  if (secure) {
    httpsAgent ??= new w.https.Agent(AGENT_OPTIONS)
    return httpsAgent
  }
  httpAgent ??= new w.http.Agent(AGENT_OPTIONS)
  return httpAgent
}

const SERVICE = 'execute-api'
const EMPTY = Buffer.alloc(0)

/** `encodeURIComponent` plus the four characters it leaves alone: what the SDK sends for an id. */
function encodeId(id: string): string {
  return encodeURIComponent(id).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export interface SignInput {
  method: string
  /** The Host header: the host name, and the port when it is not the protocol's default. */
  host: string
  /** The path as sent (already URL-encoded). */
  path: string
  body?: Uint8Array | undefined
  headers?: Record<string, string> | undefined
  region: string
  service?: string
  credentials: AwsCredentials
}

/** The request's headers with SigV4 added (Authorization, X-Amz-Date, X-Amz-Security-Token, Content-Length). */
export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  return sign(wire ?? (await loadWire()), input)
}

function sign({ aws4 }: Wire, input: SignInput): Record<string, string> {
  const body =
    input.body === undefined
      ? undefined
      : Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength)
  const signed = aws4.sign(
    {
      method: input.method,
      host: input.host,
      path: input.path,
      service: input.service ?? SERVICE,
      region: input.region,
      headers: { Host: input.host, ...input.headers },
      ...(body === undefined ? {} : { body }),
    },
    input.credentials,
  )
  return signed.headers as Record<string, string>
}

interface Response {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** The response ended early; carries the status so a cut-off 2xx can be told apart. */
interface CutOff {
  cutOff: true
  status: number
  error: Error & { code?: string }
  requestId: string | undefined
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError', code: 'TimeoutError' })
}

export function createSigV4Transport(options: SigV4TransportOptions): Transport {
  const url = new URL(options.endpoint)
  const secure = url.protocol === 'https:'
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = url.port === '' ? undefined : Number(url.port)
  const host = url.host
  const base = `${url.pathname.replace(/\/+$/, '')}/@connections/`
  const region = options.region
  const endpoint = options.endpoint
  const source: CredentialSource = credentialSource(options.credentials)

  function send(
    w: Wire,
    method: string,
    connectionId: string,
    body: Uint8Array | undefined,
    credentials: AwsCredentials,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<Response> {
    const path = base + encodeId(connectionId)
    const headers = sign(w, {
      method,
      host,
      path,
      body,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/octet-stream' },
      region,
      credentials,
    })
    return new Promise<Response>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      // Set once the status line is read: a failure after it is a cut-off answer.
      let answered: http.IncomingMessage | undefined
      const cutOff = (error: Error, res: http.IncomingMessage) => {
        clearTimeout(timer)
        const cut: CutOff = {
          cutOff: true,
          status: res.statusCode ?? 0,
          error,
          requestId: header(res.headers['x-amzn-requestid']),
        }
        reject(cut)
      }
      const agent = options.agent ?? sharedAgent(w, secure)
      const lib = secure ? w.https : w.http
      const req = lib.request({ agent, method, hostname, port, path, headers, signal }, (res) => {
        answered = res
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          clearTimeout(timer)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          })
        })
        res.on('error', (error: Error) => cutOff(error, res))
      })
      req.on('error', (error) => {
        if (answered) return cutOff(error, answered)
        clearTimeout(timer)
        reject(error)
      })
      if (timeoutMs !== undefined && timeoutMs > 0 && timeoutMs < 2_147_483_647) {
        timer = setTimeout(() => req.destroy(timeoutError(timeoutMs)), timeoutMs)
      }
      req.end(body)
    })
  }

  /** One call: credentials, the request, and every failure typed by the shared rule. */
  async function call(
    method: string,
    connectionId: string,
    body: Uint8Array | undefined,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<Response | undefined> {
    let response: Response
    try {
      const w = wire ?? (await loadWire())
      const got = source.get()
      const credentials = got instanceof Promise ? await got : got
      response = await send(w, method, connectionId, body, credentials, signal, timeoutMs)
    } catch (error) {
      const cut = error as Partial<CutOff>
      if (cut.cutOff === true) {
        // Delivered, for a POST or DELETE: retrying would send it twice.
        if (method !== 'GET' && isCutOffSuccess(cut.status, cut.error?.code)) return undefined
        throw errorForNoAnswer(cut.error, connectionId, { status: cut.status, requestId: cut.requestId })
      }
      throw errorForNoAnswer(error, connectionId)
    }
    if (response.status >= 200 && response.status < 300) return response
    throw errorForAnswer(answerOf(response), connectionId, endpoint, undefined)
  }

  return {
    boundsAttempts: true,
    async post(connectionId, data, signal, timeoutMs) {
      await call('POST', connectionId, data, signal, timeoutMs)
    },
    async get(connectionId, signal, timeoutMs) {
      const response = (await call('GET', connectionId, undefined, signal, timeoutMs))!
      return connectionInfo(connectionId, response)
    },
    async delete(connectionId, signal, timeoutMs) {
      await call('DELETE', connectionId, undefined, signal, timeoutMs)
    },
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function answerOf(response: Response): Answer {
  let message: string | undefined
  if (response.body.length > 0) {
    try {
      const parsed = JSON.parse(response.body.toString('utf8')) as { message?: unknown; Message?: unknown }
      const m = parsed?.message ?? parsed?.Message
      if (typeof m === 'string' && m !== '') message = m
    } catch {
      // An HTML page from a proxy: the status says enough.
    }
  }
  return {
    status: response.status,
    name: errorTypeName(header(response.headers['x-amzn-errortype'])),
    message,
    requestId: header(response.headers['x-amzn-requestid']),
    retryAfter: header(response.headers['retry-after']),
  }
}

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d
}

/** GetConnection's JSON body → ConnectionInfo; a body without a valid connectedAt is refused. */
function connectionInfo(connectionId: string, response: Response): ConnectionInfo {
  let parsed: {
    connectedAt?: unknown
    lastActiveAt?: unknown
    identity?: { sourceIp?: unknown; userAgent?: unknown }
  }
  try {
    parsed = JSON.parse(response.body.toString('utf8'))
  } catch {
    parsed = {}
  }
  const connectedAt = date(parsed?.connectedAt)
  if (connectedAt === undefined) {
    // ministack's PascalCase body, say: an emulator bug that a made-up date would hide.
    throw new StreamerError(
      'GetConnection answered 200 without a valid connectedAt; expected {"connectedAt":"<RFC3339>","identity":{...},"lastActiveAt":"<RFC3339>"}',
      200,
      'MalformedResponse',
      false,
      { connectionId, requestId: header(response.headers['x-amzn-requestid']) },
    )
  }
  const identity = parsed.identity ?? {}
  const info: ConnectionInfo = {
    connectionId,
    connectedAt,
    lastActiveAt: date(parsed.lastActiveAt) ?? connectedAt,
    sourceIp: typeof identity.sourceIp === 'string' ? identity.sourceIp : '',
  }
  if (typeof identity.userAgent === 'string') info.userAgent = identity.userAgent
  return info
}
