import type { CorsOptions } from '../../app/cors-rules.js'
import type { EntrySpec } from '../runtime/types.js'

// Which project file to read, and what an HTTP route read from one is: the parts of the
// dev options that name project files (no import back to the options).

export type ProjectKind = 'serverless' | 'sam' | 'cloudformation'

/** Which project file to read, and the inputs its variables take. */
export interface ProjectSource {
  kind: ProjectKind
  /** Absolute path of serverless.yml / template.yaml. */
  file: string
  /** `--stage`: wins over the file's stage. */
  stage?: string
  /** `--parameter-overrides Key=Value ...` (SAM / CloudFormation). */
  parameterOverrides?: Record<string, string>
  /** Environment the file's `${env:...}` reads (default process.env). */
  env?: Record<string, string | undefined>
}

/** An HTTP route read from a project file (serverless `http`/`httpApi`, SAM `Api`/`HttpApi`). */
export interface HttpRouteSpec {
  /** Upper-case method, or `ANY`. */
  method: string
  /** `/broadcast/comments`, `/items/{id}`, `/{proxy+}`. */
  path: string
  entry: EntrySpec
  /** REST (V1) proxy events or HTTP API (V2) ones. */
  events: 'rest' | 'v2'
  /** The route's CORS configuration (serverless `cors`, SAM `Cors` / `CorsConfiguration`). */
  cors?: CorsOptions
}
