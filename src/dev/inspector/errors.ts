// What an inspector request can get wrong: an HTTP status and a sentence the page shows as is.

export class InspectorError extends Error {
  override readonly name = 'InspectorError'

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}
