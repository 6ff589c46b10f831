import { PayloadTooLargeError, StreamerValidationError } from './errors.js'
import type { PostData } from './types.js'

/** The @connections limit on one message (semantics page, section 5). */
export const MAX_MESSAGE_BYTES = 131_072

const encoder = new TextEncoder()

export function validateConnectionId(connectionId: unknown): asserts connectionId is string {
  if (typeof connectionId !== 'string' || connectionId.length === 0) {
    throw new StreamerValidationError(
      `connection id must be a non-empty string, got ${JSON.stringify(connectionId)}`,
    )
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (connectionId.length > 128 || /[\s/?#\u0000-\u001f\u007f]/.test(connectionId)) {
    throw new StreamerValidationError(
      `malformed connection id ${JSON.stringify(connectionId.slice(0, 140))}`,
      {
        connectionId,
      },
    )
  }
}

/** Strings and bytes go as they are; anything else as JSON. Over 128 KB is refused before any request. */
export function encodePostData(data: PostData, connectionId?: string): Uint8Array {
  let bytes: Uint8Array
  if (typeof data === 'string') bytes = encoder.encode(data)
  else if (data instanceof Uint8Array) bytes = data
  else {
    const json = JSON.stringify(data)
    if (json === undefined)
      throw new StreamerValidationError('data is not JSON-serialisable', { connectionId })
    bytes = encoder.encode(json)
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
