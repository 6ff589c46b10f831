import { createHash } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { ManagementOp } from '../src/management/wire.js'
import { TestkitError } from './errors.js'

// What the fake's @connections service received, and how a test's expectation is
// compared with it. The contract-fixture runner uses the same comparison, so a
// fixture's `calls` and a user's `assertCalls([...])` mean the same thing.

export type CallOp = ManagementOp

/** One request that reached the fake service (a retried call appears once per attempt). */
export interface FakeCall {
  op: CallOp
  endpoint: string
  connectionId: string
  /** post: the bytes as sent. */
  bytes?: Uint8Array
  /** post: the bytes as UTF-8 text. */
  data?: string
  /** The HTTP status the service answered (200, 204, 410, 429...); 0 when it never answered. */
  status: number
  /** The exception name on failure (`GoneException`, `LimitExceededException`, `UnexpectedCall`...). */
  error?: string
  /** Epoch ms (the fake's clock) when the request arrived. */
  at: number
}

/**
 * An expected call. `op` and `connectionId` are required; every other field that is
 * present must match exactly, and absent ones are not compared. Data can be named
 * as text (`data`), parsed JSON (`json`), base64 bytes, or size and SHA-256 for
 * payloads too large to spell out.
 */
export interface ExpectedCall {
  op: CallOp
  connectionId: string
  endpoint?: string
  status?: number
  error?: string
  data?: string | Uint8Array
  json?: unknown
  dataBase64?: string
  dataSize?: number
  dataSha256?: string
}

const KNOWN = new Set([
  'op',
  'connectionId',
  'endpoint',
  'status',
  'error',
  'data',
  'json',
  'dataBase64',
  'dataSize',
  'dataSha256',
])
const OPS = new Set(['post', 'get', 'delete'])
const encoder = new TextEncoder()

/** A typo in an expectation would silently compare nothing; refuse it instead. */
export function checkExpectedCall(expected: unknown, where: string): asserts expected is ExpectedCall {
  if (typeof expected !== 'object' || expected === null || Array.isArray(expected)) {
    throw new TestkitError(`${where}: an expected call must be an object, got ${JSON.stringify(expected)}`)
  }
  for (const key of Object.keys(expected)) {
    if (!KNOWN.has(key)) {
      throw new TestkitError(
        `${where}: unknown field ${JSON.stringify(key)} in an expected call (known: ${[...KNOWN].join(', ')})`,
      )
    }
  }
  const e = expected as Partial<ExpectedCall>
  if (!OPS.has(e.op as string)) {
    throw new TestkitError(`${where}: op must be "post", "get" or "delete", got ${JSON.stringify(e.op)}`)
  }
  if (typeof e.connectionId !== 'string') {
    throw new TestkitError(`${where}: connectionId must be a string`)
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b))
}

function preview(text: string | undefined, max = 60): string {
  if (text === undefined) return '(none)'
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text) + ` (${text.length} chars)`
}

/** The fields of `actual` that differ from `expected`, one line each; empty when it matches. */
export function callMismatches(actual: FakeCall, expected: ExpectedCall, compareOutcome = true): string[] {
  const out: string[] = []
  const field = (name: string, a: unknown, e: unknown) => {
    if (e !== undefined && !isDeepStrictEqual(a, e))
      out.push(`${name}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`)
  }
  field('op', actual.op, expected.op)
  field('connectionId', actual.connectionId, expected.connectionId)
  field('endpoint', actual.endpoint, expected.endpoint)
  if (compareOutcome) {
    field('status', actual.status, expected.status)
    field('error', actual.error, expected.error)
  }
  const bytes = actual.bytes
  const wantsData =
    expected.data !== undefined ||
    expected.json !== undefined ||
    expected.dataBase64 !== undefined ||
    expected.dataSize !== undefined ||
    expected.dataSha256 !== undefined
  if (!wantsData) return out
  if (bytes === undefined) {
    out.push(`data: expected a payload, but a ${actual.op} call carries none`)
    return out
  }
  if (expected.data !== undefined) {
    const want = typeof expected.data === 'string' ? encoder.encode(expected.data) : expected.data
    if (!sameBytes(bytes, want)) {
      const shown = typeof expected.data === 'string' ? expected.data : Buffer.from(want).toString('utf8')
      out.push(`data: expected ${preview(shown)}, got ${preview(actual.data)}`)
    }
  }
  if (expected.json !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(actual.data ?? '')
      if (!isDeepStrictEqual(parsed, expected.json))
        out.push(`json: expected ${JSON.stringify(expected.json)}, got ${preview(actual.data)}`)
    } catch {
      out.push(`json: expected JSON ${JSON.stringify(expected.json)}, got non-JSON ${preview(actual.data)}`)
    }
  }
  if (expected.dataBase64 !== undefined) {
    const got = Buffer.from(bytes).toString('base64')
    if (got !== expected.dataBase64) out.push(`dataBase64: expected ${expected.dataBase64}, got ${got}`)
  }
  if (expected.dataSize !== undefined && bytes.byteLength !== expected.dataSize) {
    out.push(`dataSize: expected ${expected.dataSize} bytes, got ${bytes.byteLength}`)
  }
  if (expected.dataSha256 !== undefined) {
    const got = createHash('sha256').update(bytes).digest('hex')
    if (got !== expected.dataSha256.toLowerCase())
      out.push(`dataSha256: expected ${expected.dataSha256}, got ${got}`)
  }
  return out
}

/** One line describing a call, for error messages. */
export function formatCall(call: FakeCall | ExpectedCall): string {
  const parts: string[] = [call.op, call.connectionId]
  if (call.endpoint !== undefined) parts.push(`at ${call.endpoint}`)
  if ('bytes' in call && call.bytes !== undefined) parts.push(`data ${preview(call.data)}`)
  else if ('data' in call && call.data !== undefined)
    parts.push(`data ${preview(typeof call.data === 'string' ? call.data : '<bytes>')}`)
  else if ('json' in call && call.json !== undefined) parts.push(`json ${JSON.stringify(call.json)}`)
  else if ('dataSize' in call && call.dataSize !== undefined) parts.push(`${call.dataSize} bytes`)
  if (call.status !== undefined) parts.push(`→ ${call.status}${call.error ? ` ${call.error}` : ''}`)
  return parts.join(' ')
}

/**
 * Compares recorded calls with expected ones, exactly in number and order. Returns
 * a diff (one block per differing position); empty when they agree.
 */
export function diffCalls(actual: readonly FakeCall[], expected: readonly ExpectedCall[]): string[] {
  for (const [i, e] of expected.entries()) checkExpectedCall(e, `expected call #${i}`)
  const lines: string[] = []
  const n = Math.max(actual.length, expected.length)
  for (let i = 0; i < n; i++) {
    const a = actual[i]
    const e = expected[i]
    if (a && e) {
      const m = callMismatches(a, e)
      if (m.length > 0) lines.push(`#${i} differs: ${formatCall(a)}\n      ${m.join('\n      ')}`)
    } else if (e) lines.push(`#${i} missing: expected ${formatCall(e)}`)
    else if (a) lines.push(`#${i} unexpected: ${formatCall(a)}`)
  }
  if (lines.length > 0)
    lines.unshift(`expected ${expected.length} call(s), recorded ${actual.length}; differences:`)
  return lines
}
