import type { Socket } from 'node:net'

// API Gateway limits each incoming frame to 32 KB and each message to 128 KB, and closes
// with 1009 past either. `ws` only limits the whole message (and closes with an empty
// reason), so this reads the frame headers on the raw socket, ahead of `ws`, and sums a
// fragmented message's lengths too: both limits then close the same way.
// Permessage-deflate is off, so header lengths are the wire lengths.

export function guardFrameSize(
  socket: Socket,
  limits: { frameBytes: number; messageBytes: number },
  onTooBig: (bytes: number, what: 'frame' | 'message') => void,
): void {
  const header = Buffer.alloc(14)
  let have = 0 // header bytes collected for the current frame
  let skip = 0 // payload bytes of the current frame still to pass
  let message = 0 // payload bytes of the current message so far
  let done = false
  const tooBig = (bytes: number, what: 'frame' | 'message') => {
    done = true
    socket.off('data', onData)
    onTooBig(bytes, what)
  }

  const headerLength = (): number => {
    if (have < 2) return 2
    const len7 = header[1]! & 0x7f
    const masked = (header[1]! & 0x80) !== 0
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0)
  }

  const onData = (chunk: Buffer) => {
    let at = 0
    while (!done && at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at)
        skip -= n
        at += n
        continue
      }
      header[have++] = chunk[at++]!
      if (have < headerLength()) continue
      const opcode = header[0]! & 0x0f
      const len7 = header[1]! & 0x7f
      const length =
        len7 === 126 ? header.readUInt16BE(2) : len7 === 127 ? Number(header.readBigUInt64BE(2)) : len7
      have = 0
      // Data frames only (continuation, text, binary); control frames are at most 125 bytes.
      if (opcode <= 2) {
        if (length > limits.frameBytes) return tooBig(length, 'frame')
        // A text or binary frame starts a message; continuations add to it.
        message = opcode === 0 ? message + length : length
        if (message > limits.messageBytes) return tooBig(message, 'message')
      }
      skip = length
    }
  }
  socket.prependListener('data', onData)
}
