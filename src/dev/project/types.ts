import type { DevOptions } from '../dev-options.js'
import type { ProjectNote, Where } from './errors.js'
import type { ProjectKind, ProjectSource } from './source.js'

export type { HttpRouteSpec, ProjectKind, ProjectSource } from './source.js'

// What a project reader gives back: the gateway's own configuration (DevOptions, never
// YAML), and what the banner says about it.

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
