import { EXECUTE_API_HOST } from '../events/hosts.js'

// Remembered like the endpoint: a warm Lambda asks about one host over and over.
let lastRegion: { hostOrUrl: string; region: string | undefined } | undefined

/** The region of an execute-api endpoint or host, if it names one. */
export function regionFromHost(hostOrUrl: string): string | undefined {
  const last = lastRegion
  if (last !== undefined && last.hostOrUrl === hostOrUrl) return last.region
  let host = hostOrUrl
  if (/^[a-z]+:\/\//i.test(host)) {
    try {
      host = new URL(host).hostname
    } catch {
      return undefined
    }
  }
  const region = EXECUTE_API_HOST.exec(host)?.[2]
  lastRegion = { hostOrUrl, region }
  return region
}
