import { SESSION_ID } from '../protocol/frames.js'
import { ConnectionStoreValidationError } from './errors.js'
import { DEFAULT_HELD_LIMIT, DEFAULT_HELD_MAX_AGE_SECONDS } from './held-defaults.js'

// Messages held for a socketeer/client session that had no live connection when they
// were pushed (the gap between a close and the reconnect). The rules both stores apply,
// written once: the bounds, the order key, the page a resume takes. The messages live in
// the store (a DynamoDB item each for DynamoConnectionStore), never in a Lambda's memory.

/**
 * The most message text one resume reply carries; also the largest message held (a
 * bigger one could never be delivered: API Gateway's frames end at 128 KB).
 */
export const HELD_PAGE_BYTES = 96 * 1024

export interface HeldMessagesOptions {
  /** Messages kept per session (default 100); holding one more drops the oldest. */
  limit?: number
  /** Seconds a held message lives (default 600); past it, it is never delivered. */
  maxAgeSeconds?: number
}

export interface HeldPolicy {
  limit: number
  maxAgeSeconds: number
}

/** One held message: the push frame's text, as it would have been posted. */
export interface HeldMessage {
  /** Order key: sorts as the messages were held. */
  seq: string
  /** The push's id (the client de-duplicates by it). */
  id: string
  text: string
  /** Epoch seconds after which it is dropped (the DynamoDB TTL attribute). */
  expiresAt: number
}

export interface HeldPage {
  messages: HeldMessage[]
  /** More messages wait than fitted in this page. */
  more: boolean
}

export function heldPolicy(options: HeldMessagesOptions | false | undefined): HeldPolicy | undefined {
  if (options === false) return undefined
  const limit = options?.limit ?? DEFAULT_HELD_LIMIT
  const maxAgeSeconds = options?.maxAgeSeconds ?? DEFAULT_HELD_MAX_AGE_SECONDS
  if (!(Number.isInteger(limit) && limit > 0))
    throw new ConnectionStoreValidationError('heldMessages.limit must be a positive integer')
  if (!(Number.isInteger(maxAgeSeconds) && maxAgeSeconds > 0))
    throw new ConnectionStoreValidationError('heldMessages.maxAgeSeconds must be a positive whole number')
  return { limit, maxAgeSeconds }
}

export function validateSession(session: unknown): asserts session is string {
  if (typeof session !== 'string' || !SESSION_ID.test(session))
    throw new ConnectionStoreValidationError('not a session id (16 to 128 URL-safe characters)')
}

const encoder = new TextEncoder()
export const textBytes = (text: string): number => encoder.encode(text).byteLength

let lastTick = 0

/**
 * A key that sorts in holding order: microsecond-scaled time, strictly increasing in this
 * process, then a random tail so two processes holding in the same instant never collide.
 */
export function nextSeq(nowMs: number = Date.now()): string {
  const tick = Math.max(nowMs * 1000, lastTick + 1)
  lastTick = tick
  const tail = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36).padStart(7, '0')
  return `${String(tick).padStart(17, '0')}.${tail}`
}

/** The first messages (oldest first, live ones) that fit one reply; at least one. */
export function pageOf(messages: HeldMessage[]): HeldPage {
  let bytes = 0
  let n = 0
  for (const m of messages) {
    bytes += textBytes(m.text) + 1
    if (n > 0 && bytes > HELD_PAGE_BYTES) break
    n++
  }
  return { messages: messages.slice(0, n), more: n < messages.length }
}
