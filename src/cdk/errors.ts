// The construct's errors: thrown at synth time, naming the prop that is wrong.

export class WebSocketApiConfigError extends Error {
  override readonly name = 'WebSocketApiConfigError'
}
