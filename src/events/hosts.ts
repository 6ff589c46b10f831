// AWS host names, recognised in one place: the endpoint derivation, the HTTP API path
// rule and the streamer's endpoint checks all ask here.

/** `{apiId}.execute-api.{region}.amazonaws.com` (or `.com.cn`); groups: api id, region. */
export const EXECUTE_API_HOST = /^([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i

export function isExecuteApiHost(host: string): boolean {
  return EXECUTE_API_HOST.test(host)
}

/** The `@connections` host AWS gives an API in a region (the China partition's suffix is `.com.cn`). */
export function executeApiHost(apiId: string, region: string): string {
  return `${apiId}.execute-api.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`.toLowerCase()
}
