import { relative } from 'node:path'

// Errors and warnings of the project readers: each names the file and, when the file
// has lines (YAML, JSON), the line, so a team can find what to fix.

/** Where in a project file something was read. */
export interface Where {
  file: string
  line?: number
}

export function describeWhere(where: Where, cwd = process.cwd()): string {
  const rel = relative(cwd, where.file)
  const name = rel && !rel.startsWith('..') ? rel : where.file
  return where.line ? `${name}:${where.line}` : name
}

/** A project file that cannot be served as written. Nothing has started when it is thrown. */
export class ProjectFileError extends Error {
  override readonly name = 'ProjectFileError'
  readonly file: string
  readonly line: number | undefined

  constructor(where: Where, message: string) {
    super(`${describeWhere(where)}: ${message}`)
    this.file = where.file
    this.line = where.line
  }
}

/** Something read but not served (an unresolved variable, a skipped function); shown in the banner. */
export interface ProjectNote {
  where: Where
  message: string
}

export function formatNote(note: ProjectNote): string {
  return `${describeWhere(note.where)}: ${note.message}`
}
