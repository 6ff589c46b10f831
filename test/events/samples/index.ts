import { readFileSync } from 'node:fs'

// The JSON samples in this folder (see README.md for where each comes from). Each call
// returns a fresh copy, so a test may change its event without touching another's.

export type SampleName =
  | 'ws-connect'
  | 'ws-message'
  | 'ws-disconnect'
  | 'ws-message-custom-route-authorized'
  | 'authorizer-request'
  | 'rest-v1'
  | 'http-v2'
  | 'function-url'
  | 'alb'
  | 'alb-multivalue'
  | 'http-v2-authorizer'
  | 'rest-token-authorizer'

export function sample<T = any>(name: SampleName): T {
  return JSON.parse(readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8')) as T
}
