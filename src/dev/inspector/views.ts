import { isUtf8 } from 'node:buffer'
import { describeError } from '../log.js'
import type { Entry, Recorder } from './recorder.js'

// The JSON the page reads: a short summary per record for the timeline (sent live),
// the full record with its Lambda event, result and calls when one is clicked.

export interface Summary {
  seq: number
  at: number
  kind: string
  route?: string
  connectionId?: string
  status?: string | number
  ms?: number
  detail?: string
  error?: string
  caller?: string
  /** The seq of the invocation that made this @connections call, when still held. */
  callerSeq?: number
  bytes?: number
  fn?: string
  invocation?: string
  replayable: boolean
}

export function summary(entry: Entry): Summary {
  const out: Summary = {
    seq: entry.seq,
    at: entry.at,
    kind: entry.kind,
    replayable: entry.event !== undefined && entry.fn !== undefined,
  }
  if (entry.route !== undefined) out.route = entry.route
  if (entry.connectionId !== undefined) out.connectionId = entry.connectionId
  if (entry.status !== undefined) out.status = entry.status
  if (entry.ms !== undefined) out.ms = entry.ms
  if (entry.detail !== undefined) out.detail = entry.detail
  if (entry.error !== undefined) out.error = describeError(entry.error)
  if (entry.caller !== undefined) out.caller = entry.caller
  if (entry.bytes !== undefined) out.bytes = entry.bytes
  if (entry.fn !== undefined) out.fn = entry.fn
  if (entry.invocation !== undefined) out.invocation = entry.invocation
  return out
}

/** A payload as the page shows it: text when it is UTF-8, else base64. */
export function payload(
  data: Uint8Array | string | undefined,
): { text?: string; base64?: string } | undefined {
  if (data === undefined) return undefined
  if (typeof data === 'string') return { text: data }
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return isUtf8(bytes) ? { text: bytes.toString('utf8') } : { base64: bytes.toString('base64') }
}

function errorDetail(error: unknown): { message: string; stack?: string } | undefined {
  if (error === undefined) return undefined
  const out: { message: string; stack?: string } = { message: describeError(error) }
  if (error instanceof Error && error.stack) out.stack = error.stack
  return out
}

export function detail(entry: Entry, recorder: Recorder, generation: number) {
  const caller = entry.kind === 'MANAGE' && entry.caller ? recorder.byInvocation(entry.caller) : undefined
  const base = summary(entry)
  if (caller) base.callerSeq = caller.seq
  return {
    ...base,
    event: entry.event,
    result: entry.result,
    errorDetail: errorDetail(entry.error),
    output: entry.output,
    data: payload(entry.data),
    frame: entry.frame,
    query: entry.query,
    close: entry.close,
    cut: entry.cut,
    reloadedSince: generation !== entry.generation,
    tracked: recorder.callsTied(entry),
    calls: entry.invocation
      ? recorder.callsOf(entry.invocation).map((call) => ({
          ...summary(call),
          data: payload(call.data),
        }))
      : [],
  }
}
