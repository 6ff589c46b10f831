import { GoneError } from './errors.js'
import type { BroadcastOptions, BroadcastResult, PostData } from './types.js'

/**
 * Sends one message to many connections with bounded concurrency. Never throws for
 * a single connection: gone ids are listed (so callers prune them), other failures
 * are reported with their error.
 */
export async function broadcastWith(
  post: (connectionId: string, data: Uint8Array | string | object) => Promise<void>,
  connectionIds: Iterable<string> | AsyncIterable<string>,
  data: PostData,
  options: BroadcastOptions = {},
): Promise<BroadcastResult> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 64))
  const result: BroadcastResult = { sent: [], gone: [], failed: [] }
  const iterator =
    Symbol.asyncIterator in connectionIds
      ? (connectionIds as AsyncIterable<string>)[Symbol.asyncIterator]()
      : (connectionIds as Iterable<string>)[Symbol.iterator]()
  let done = false
  const next = async (): Promise<string | undefined> => {
    if (done) return undefined
    const step = await iterator.next()
    if (step.done) {
      done = true
      return undefined
    }
    return step.value
  }
  const worker = async () => {
    for (let id = await next(); id !== undefined; id = await next()) {
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
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return result
}
