import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ProjectKind } from './types.js'

// The project file a folder has (no parser loaded: the CLI asks before anything starts).

/** Looked for in this order when no entry and no file is named. */
export const PROJECT_FILES: { name: string; kind: ProjectKind }[] = [
  { name: 'serverless.yml', kind: 'serverless' },
  { name: 'serverless.yaml', kind: 'serverless' },
  { name: 'serverless.ts', kind: 'serverless' },
  { name: 'serverless.js', kind: 'serverless' },
  { name: 'serverless.cjs', kind: 'serverless' },
  { name: 'serverless.mjs', kind: 'serverless' },
  { name: 'serverless.json', kind: 'serverless' },
  { name: 'template.yaml', kind: 'sam' },
  { name: 'template.yml', kind: 'sam' },
  { name: 'template.json', kind: 'sam' },
]

/** The project file in `dir`, if any. */
export function findProjectFile(dir: string): { file: string; kind: ProjectKind } | undefined {
  for (const { name, kind } of PROJECT_FILES) {
    const file = join(dir, name)
    if (existsSync(file)) return { file, kind }
  }
  return undefined
}
