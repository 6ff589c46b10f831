import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import type { Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { isIP, type Socket } from 'node:net'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Duplex } from 'node:stream'
import tls from 'node:tls'

// HTTPS on the gateway's own port, so a handler that builds its endpoint the way AWS's
// samples do, `https://{domainName}/{stage}`, reaches the gateway unchanged. The first
// byte of each connection decides: 0x16 (a TLS handshake) goes to an https server with
// a certificate made at start, anything else to the plain server. The processes the
// gateway starts trust that certificate through AWS_CA_BUNDLE / NODE_EXTRA_CA_CERTS;
// handlers in this process through trustInProcess().

export interface LocalCertificate {
  key: string
  cert: string
  /** The CA certificate alone (NODE_EXTRA_CA_CERTS adds it to Node's roots). */
  caFile: string
  /** The usual roots (or the user's AWS_CA_BUNDLE) plus the CA: AWS_CA_BUNDLE replaces roots. */
  bundleFile: string
  /** Removes the files. */
  dispose(): void
}

interface Made {
  names: string[]
  notAfter: number
  key: string
  cert: string
  caCert: string
}

// Making a certificate loads selfsigned and its ASN.1 stack and signs twice: about 0.2 s
// of CPU at each start. The leaf (its key, and the CA's certificate, never the CA's key)
// is kept in the user's cache folder (private to them, as ssh keeps keys) and reused
// until a week before it expires. Only the processes a gateway starts trust that CA.
const KEEP_MS = 7 * 24 * 3600_000

function cacheDir(): string | undefined {
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'socketeer', 'tls')
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const s = lstatSync(dir)
    const mine = process.getuid === undefined || s.uid === process.getuid()
    return s.isDirectory() && mine && (s.mode & 0o077) === 0 ? dir : undefined
  } catch {
    return undefined
  }
}

function cached(file: string | undefined, names: string[]): Made | undefined {
  if (!file) return undefined
  try {
    const made = JSON.parse(readFileSync(file, 'utf8')) as Made
    const same = JSON.stringify(made.names) === JSON.stringify(names)
    return same && made.notAfter - Date.now() > KEEP_MS && made.key && made.cert && made.caCert
      ? made
      : undefined
  } catch {
    return undefined
  }
}

function keep(file: string | undefined, made: Made): void {
  if (!file) return
  try {
    const temp = `${file}.${process.pid}.tmp`
    writeFileSync(temp, JSON.stringify(made), { mode: 0o600 })
    renameSync(temp, file)
  } catch {
    // A read-only home: made again next time.
  }
}

/** A CA and a server certificate for these names, signed by it (kept in the user's cache). */
export async function makeCertificate(hosts: string[]): Promise<LocalCertificate> {
  const names = [...new Set(['localhost', '*.localhost', '127.0.0.1', '::1', ...hosts])]
    .filter((h) => h !== '0.0.0.0' && h !== '::')
    .sort()
  const dir = cacheDir()
  const file =
    dir && join(dir, `${createHash('sha256').update(names.join(' ')).digest('hex').slice(0, 16)}.json`)
  let made = cached(file, names)
  if (!made) {
    made = await generateCertificate(names)
    keep(file, made)
  }
  return writeFiles(made)
}

async function generateCertificate(names: string[]): Promise<Made> {
  // The dev face's optional peer: a production install of an app does not carry it.
  const { generate } = await import('selfsigned')
  const now = new Date(Date.now() - 60_000)
  const until = new Date(Date.now() + 30 * 24 * 3600_000)
  const ca = await generate([{ name: 'commonName', value: 'socketeer local gateway CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: until,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  })
  const altNames = names.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }))
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: until,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  })
  return { names, notAfter: until.getTime(), key: leaf.private, cert: leaf.cert, caCert: ca.cert }
}

function writeFiles(made: Made): LocalCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-tls-'))
  const caFile = join(dir, 'ca.pem')
  const bundleFile = join(dir, 'bundle.pem')
  writeFileSync(caFile, made.caCert)
  let roots: string
  try {
    roots = process.env.AWS_CA_BUNDLE ? readFileSync(process.env.AWS_CA_BUNDLE, 'utf8') : ''
  } catch {
    roots = ''
  }
  if (!roots) roots = tls.rootCertificates.join('\n')
  writeFileSync(bundleFile, `${roots.trimEnd()}\n${made.caCert}`)
  return {
    key: made.key,
    cert: made.cert,
    caFile,
    bundleFile,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}

// One certificate per process and set of names: making one costs ~50 ms, tests start many gateways.
const certificates = new Map<string, Promise<LocalCertificate | Error>>()

/** The certificate for these names, made once per process. */
export function certificateFor(names: string[]): Promise<LocalCertificate | Error> {
  const key = names.join(' ')
  let made = certificates.get(key)
  if (!made) {
    made = makeCertificate(names).then(
      (certificate) => {
        process.once('exit', () => certificate.dispose())
        return certificate
      },
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    )
    certificates.set(key, made)
  }
  return made
}

// A TLS socket on a net.Socket reads its handle directly, past anything unshifted; a
// stream in between keeps the byte that was read to decide.
function replay(socket: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume()
    },
    write(chunk, encoding, callback) {
      socket.write(chunk, encoding, callback)
    },
    final(callback) {
      socket.end(callback)
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined)
      callback(error)
    },
  })
  stream.push(first)
  socket.on('data', (data) => {
    if (!stream.push(data)) socket.pause()
  })
  socket.on('end', () => stream.push(null))
  socket.on('close', () => stream.destroy())
  socket.on('error', (error) => stream.destroy(error))
  Object.defineProperty(stream, 'remoteAddress', { value: socket.remoteAddress })
  return stream
}

/** Makes `server` answer TLS too, on the same port; returns the https server (same handlers). */
export function acceptTls(server: HttpServer, certificate: LocalCertificate): HttpsServer {
  const secure = createHttpsServer({ key: certificate.key, cert: certificate.cert })
  for (const event of ['request', 'upgrade'] as const)
    for (const listener of server.listeners(event)) secure.on(event, listener as (...args: any[]) => void)
  secure.on('tlsClientError', (_error, socket) => socket.destroy())
  const plain = server.listeners('connection') as Array<(socket: Socket) => void>
  server.removeAllListeners('connection')
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => {})
    socket.once('data', (first: Buffer) => {
      socket.pause()
      if (first[0] === 0x16) secure.emit('connection', replay(socket, first))
      else {
        socket.unshift(first)
        for (const listener of plain) listener.call(server, socket)
        socket.resume()
      }
    })
  })
  return secure
}

// In-process handlers cannot be given NODE_EXTRA_CA_CERTS (Node reads it at start), and
// Node 20 has no API to add a root: secure contexts made without their own `ca` get the
// local CA added, while a gateway runs. Clients that pass their own `ca` or
// `secureContext` are not touched.
let trusted: string[] = []
let original: typeof tls.createSecureContext | undefined

export function trustInProcess(caCert: string): () => void {
  if (!original) {
    original = tls.createSecureContext
    const base = original
    tls.createSecureContext = function createSecureContext(options?: tls.SecureContextOptions) {
      const context = base.call(tls, options)
      if (!options?.ca) {
        for (const cert of trusted)
          (context as unknown as { context: { addCACert(pem: string): void } }).context.addCACert(cert)
      }
      return context
    }
  }
  trusted.push(caCert)
  let released = false
  return () => {
    if (released) return
    released = true
    trusted = trusted.filter((c) => c !== caCert)
    if (trusted.length === 0 && original) {
      tls.createSecureContext = original
      original = undefined
    }
  }
}
