// API Gateway ids are 11 random bytes in base64: 16 characters ending in `=`.
// Drawn from a pooled buffer so building an event costs no syscall per id. The Web
// Crypto global is used (not node:crypto) because Node loads it on first use, which
// keeps `import 'socketeer'` cheap.
const POOL_IDS = 256
let pool = Buffer.alloc(0)
let offset = 0

export function newGatewayId(): string {
  if (offset >= pool.length) {
    pool = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(11 * POOL_IDS)).buffer)
    offset = 0
  }
  // URL-safe alphabet: an id travels in the @connections path, and the streamer refuses
  // `/` there (it would change the path); standard base64 put one in ~40% of ids.
  const id = `${pool.toString('base64url', offset, offset + 11)}=`
  offset += 11
  return id
}

/**
 * The `X-Amzn-Trace-Id` API Gateway adds to every request it forwards (X-Ray's format):
 * `Root=1-{epoch seconds, 8 hex}-{96 random bits, 24 hex}`.
 */
export function newTraceId(epochMs: number = Date.now()): string {
  const seconds = Math.floor(epochMs / 1000)
    .toString(16)
    .padStart(8, '0')
  const random = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(12))).toString('hex')
  return `Root=1-${seconds}-${random}`
}

const GATEWAY_ID = /^[A-Za-z0-9+/_-]{15}=$/

/** True for ids shaped like API Gateway's (`R1kmxc2VNjMCFIA=`). */
export function isGatewayIdShape(id: string): boolean {
  return GATEWAY_ID.test(id)
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad = (n: number) => (n < 10 ? `0${n}` : String(n))

/** Common Log Format time as API Gateway writes it: `20/Jan/2024:11:55:08 +0000`. */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs)
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  )
}

const CLF = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/

/** Parses a CLF time back to epoch ms; undefined when malformed. */
export function parseClfTime(text: string): number | undefined {
  const m = CLF.exec(text)
  if (!m) return undefined
  const month = MONTHS.indexOf(m[2]!)
  if (month < 0) return undefined
  const utc = Date.UTC(+m[3]!, month, +m[1]!, +m[4]!, +m[5]!, +m[6]!)
  const offsetMin = (+m[8]! * 60 + +m[9]!) * (m[7] === '-' ? -1 : 1)
  return utc - offsetMin * 60_000
}
