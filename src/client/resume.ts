import { RESUME_ACTION, readResumeReply } from '../protocol/frames.js'
import type { Conn, Push } from './conn.js'
import { ClientError } from './errors.js'

// Session resume: a client with a session asks each new connection's App for the pushes
// held while no connection took them, before it delivers the live ones.

export interface ResumeIO {
  /** A request on the new connection only: never sent again on another. */
  request(action: string, timeout: number): Promise<unknown>
  /** Delivers a push (de-duplicated by id). */
  push(frame: Push): void
  /** Fetching failed; the connection is used all the same. */
  failed(error: ClientError): void
}

/** No page of held messages waits longer than this, whatever the request timeout. */
const PAGE_TIMEOUT_MS = 10_000
const MAX_PAGES = 1000

/**
 * Asks the App for the session's pushes held while no connection took them (pages of
 * them), before the live pushes that arrive meanwhile. On every connection, the first
 * too: a `$connect` handler may push to the session it is accepting, which no
 * connection can take yet.
 */
export async function resumeSession(conn: Conn, requestTimeoutMs: number, io: ResumeIO): Promise<void> {
  conn.held = []
  try {
    const timeout = Math.min(requestTimeoutMs, PAGE_TIMEOUT_MS)
    for (let page = 0; page < MAX_PAGES; page++) {
      const data = await io.request(RESUME_ACTION, timeout)
      const reply = readResumeReply(data)
      for (const frame of reply.messages) io.push(frame)
      if (!reply.more || reply.messages.length === 0) break
    }
  } catch (error) {
    io.failed(
      new ClientError(
        'resume_failed',
        `messages held for the session were not fetched: ${error instanceof Error ? error.message : String(error)}`,
      ),
    )
  } finally {
    const live = conn.held
    conn.held = undefined
    for (const frame of live) io.push(frame)
  }
}
