import type { DevOptions } from '../dev-server.js'
import type { EntrySpec } from '../runtime/types.js'
import type { ProjectNote, Where } from './errors.js'

// What a project reader gives back: the gateway's own configuration (DevOptions, never
// YAML), and what the banner says about it.

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
}

/** One summary line per thing read, for the banner and `--print-config`. */
export interface ProjectSummary {
  kind: ProjectKind
  file: string
  stage: string
  /** WebSocket route key → function name. */
  routes: { key: string; functionName: string }[]
  http: { method: string; path: string; functionName: string; events: 'rest' | 'v2' }[]
  tables: { name: string; where: Where }[]
  /** Skipped functions, unresolved variables, settings with no local meaning. */
  notes: ProjectNote[]
}

export interface ProjectResult {
  options: DevOptions
  summary: ProjectSummary
  /** Files to watch besides the handlers: the project file and what it includes. */
  files: string[]
}

/** A reader for one kind of project file (design.md: a picker over small readers). */
export interface ProjectReader {
  readonly kind: ProjectKind
  /** Whether this reader takes the file (by name, then by content). */
  accepts(file: string, content: unknown): boolean
  read(source: ProjectSource, parsed: import('./yaml.js').ParsedFile): Promise<ProjectResult>
}
