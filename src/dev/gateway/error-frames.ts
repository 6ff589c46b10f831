// The error frames API Gateway sends on a WebSocket connection, byte for byte: the
// odd spacing (a space after the first colon only) is what real clients match on.

export type ErrorFrameMessage = 'Internal server error' | 'Forbidden' | 'Endpoint request timed out'

export function errorFrame(message: ErrorFrameMessage, connectionId: string, requestId: string): string {
  return `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`
}
