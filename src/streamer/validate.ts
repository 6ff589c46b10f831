import { PayloadTooLargeError, StreamerValidationError } from './errors.js'
import { MAX_MESSAGE_BYTES } from './limits.js'
import type { CallOptions, PostData } from './types.js'

// Caller errors are refused here, before any request: a request that cannot succeed
// costs a round trip and, in a broadcast, one per connection.

const encoder = new TextEncoder()

/**
 * AWS ids are 16 characters ending in `=`, but emulators use UUIDs and the like, so only
 * what can never be an id is refused: empty, overlong, whitespace or control characters,
 * `/ ? #` (they would change the request path) and dot segments (a URL normaliser
 * would turn `/@connections/..` into another path).
 */
export function validateConnectionId(connectionId: unknown): asserts connectionId is string {
  if (typeof connectionId !== 'string' || connectionId.length === 0) {
    throw new StreamerValidationError(
      `connection id must be a non-empty string, got ${typeof connectionId === 'string' ? '""' : describe(connectionId)}`,
    )
  }
  if (
    connectionId.length > 128 ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    /[\s/?#\u0000-\u001f\u007f]/.test(connectionId) ||
    /^\.+$/.test(connectionId)
  ) {
    throw new StreamerValidationError(
      `malformed connection id ${JSON.stringify(connectionId.slice(0, 140))}`,
      {
        connectionId,
      },
    )
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object'
  return typeof value === 'bigint' ? `${value}n` : `${typeof value} ${String(value)}`
}

/**
 * Strings go as UTF-8, bytes (any ArrayBuffer view, or an ArrayBuffer, shared or not) as they are,
 * anything else as JSON. Over 128 KB is refused before any request.
 */
export function encodePostData(data: PostData, connectionId?: string): Uint8Array {
  let bytes: Uint8Array
  if (typeof data === 'string') bytes = encoder.encode(data)
  else if (data instanceof Uint8Array) bytes = data
  else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  else if (data instanceof ArrayBuffer || isSharedArrayBuffer(data)) bytes = new Uint8Array(data)
  else {
    if (data === null || data === undefined || typeof data === 'function' || typeof data === 'symbol') {
      throw new StreamerValidationError(
        `data must be a string, bytes or a JSON-serialisable value, got ${describe(data)}`,
        { connectionId },
      )
    }
    bytes = encoder.encode(jsonText(data, connectionId))
  }
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new PayloadTooLargeError(
      `message is ${bytes.byteLength} bytes; the limit is ${MAX_MESSAGE_BYTES}`,
      {
        connectionId,
      },
    )
  }
  return bytes
}

/** `JSON.stringify`, with a StreamerValidationError for what it refuses (cycles, BigInt, undefined). */
export function jsonText(value: unknown, connectionId?: string): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (cause) {
    throw new StreamerValidationError(`data is not JSON-serialisable: ${(cause as Error).message}`, {
      connectionId,
      cause,
    })
  }
  if (json === undefined) throw new StreamerValidationError('data is not JSON-serialisable', { connectionId })
  return json
}

// Not a global where cross-origin isolation is off (browsers); always one in Node.
function isSharedArrayBuffer(data: unknown): data is SharedArrayBuffer {
  return typeof SharedArrayBuffer === 'function' && data instanceof SharedArrayBuffer
}

export function validateCallOptions(options: CallOptions | undefined): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null) {
    throw new StreamerValidationError(`call options must be an object, got ${describe(options)}`)
  }
  const { deadline, signal, requestId } = options
  if (deadline !== undefined && (typeof deadline !== 'number' || Number.isNaN(deadline))) {
    throw new StreamerValidationError(`deadline must be epoch milliseconds, got ${describe(deadline)}`)
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new StreamerValidationError('signal must be an AbortSignal')
  }
  if (requestId !== undefined && typeof requestId !== 'string') {
    throw new StreamerValidationError(`requestId must be a string, got ${describe(requestId)}`)
  }
}

/** Broadcast concurrency: a positive integer (default 64). */
export function validateConcurrency(concurrency: unknown): number {
  if (concurrency === undefined) return 64
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new StreamerValidationError(`concurrency must be an integer >= 1, got ${describe(concurrency)}`)
  }
  return concurrency
}
