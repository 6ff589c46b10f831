// AWS host names, recognised in one place: the endpoint derivation, the HTTP API path
// rule and the streamer's endpoint checks all ask here.

/** `{apiId}.execute-api.{region}.amazonaws.com` (or `.com.cn`); groups: api id, region. */
export const EXECUTE_API_HOST = /^([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i

export function isExecuteApiHost(host: string): boolean {
  return EXECUTE_API_HOST.test(host)
}
