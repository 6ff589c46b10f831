import { encodeClientFrame, KEEPALIVE_ACTION } from '../protocol/frames.js'
import type { Conn } from './conn.js'
import { isOpen } from './socket.js'
import type { BackoffOptions, ClientOptions } from './types.js'

// What the client does on its own clock: keepalive frames under API Gateway's 10-minute
// idle limit, a fresh connection ahead of its 2-hour lifetime limit, and the backoff
// between failed attempts.

/** Starts a ready connection's keepalive and rotation timers; `conn.stop()` ends both. */
export function startTimers(
  conn: Conn,
  o: Pick<ClientOptions, 'keepaliveMs' | 'keepaliveAction' | 'rotateAfterMs'>,
  rotate: () => void,
): void {
  const every = o.keepaliveMs ?? 8 * 60_000
  if (every > 0) {
    // Only after `every` without any send: application traffic keeps the connection alive too.
    const tick = () => {
      const due = conn.lastSent + every - Date.now()
      if (due <= 0 && isOpen(conn.socket)) {
        conn.send({ text: encodeClientFrame(o.keepaliveAction ?? KEEPALIVE_ACTION, undefined) })
        conn.keepalive = setTimeout(tick, every)
      } else conn.keepalive = setTimeout(tick, Math.max(due, 10))
    }
    conn.keepalive = setTimeout(tick, every)
  }
  const after = o.rotateAfterMs ?? 110 * 60_000
  if (after > 0) conn.rotate = setTimeout(rotate, after)
}

/** The wait before failed attempt number `attempt` (from 1) is tried again. */
export function backoffDelay(b: BackoffOptions = {}, attempt: number): number {
  const initial = b.initialMs ?? 500
  const cap = b.maxMs ?? 30_000
  const ceiling = Math.min(cap, initial * (b.factor ?? 2) ** (attempt - 1))
  // Equal jitter: never less than half the step, so clients that lost one gateway spread out.
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}
