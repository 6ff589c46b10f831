import { GoneError, StreamerValidationError } from './errors.js'
import type { BroadcastOptions, BroadcastResult } from './types.js'
import { validateConcurrency } from './validate.js'

/**
 * Sends one message to many connections, at most `concurrency` at a time. Ids are
 * pulled from the source only when a slot is free, so an async source (a table scan)
 * is read at the pace of the sends and a huge concurrency costs nothing up front.
 *
 * Never throws for a single connection: gone ids are listed (so callers prune them),
 * other failures are reported with their error. It rejects only when the source
 * itself fails or the caller's signal aborts, and then only after the sends already
 * in flight have settled, so nothing is left running behind the caller's back.
 */
export async function broadcastWith<D>(
  post: (connectionId: string, data: D) => Promise<void>,
  connectionIds: Iterable<string> | AsyncIterable<string>,
  data: D,
  options: BroadcastOptions = {},
): Promise<BroadcastResult> {
  const concurrency = validateConcurrency(options.concurrency)
  if (
    connectionIds === null ||
    typeof connectionIds !== 'object' ||
    (!(Symbol.iterator in connectionIds) && !(Symbol.asyncIterator in connectionIds))
  ) {
    throw new StreamerValidationError('broadcast needs an iterable or async iterable of connection ids')
  }
  const signal = options.signal
  const result: BroadcastResult = { sent: [], gone: [], failed: [] }
  let active = 0
  let wake: (() => void) | undefined
  const settle = () => {
    active--
    const w = wake
    wake = undefined
    w?.()
  }
  const sendOne = async (id: string) => {
    try {
      await post(id, data)
      result.sent.push(id)
    } catch (error) {
      if (error instanceof GoneError) result.gone.push(id)
      else
        result.failed.push({
          connectionId: id,
          error: error instanceof Error ? error : new Error(String(error)),
        })
    }
  }
  const waitForSlot = (limit: number) => {
    if (active < limit) return undefined
    return new Promise<void>((resolve) => {
      wake = resolve
    })
  }

  let failure: { error: unknown } | undefined
  try {
    for await (const id of connectionIds) {
      for (let w = waitForSlot(concurrency); w; w = waitForSlot(concurrency)) await w
      if (signal?.aborted) {
        failure = { error: signal.reason }
        break
      }
      active++
      void sendOne(id).then(settle)
    }
  } catch (error) {
    failure = { error }
  }
  for (let w = waitForSlot(1); w; w = waitForSlot(1)) await w
  if (failure) throw failure.error
  return result
}
