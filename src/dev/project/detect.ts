import { existsSync } from 'node:fs'
import { basename, extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ProjectFileError } from './errors.js'
import { samReader } from './sam.js'
import { serverlessReader } from './serverless.js'
import type { ProjectKind, ProjectReader, ProjectResult, ProjectSource } from './types.js'
import { Lines, type ParsedFile, readProjectFile } from './yaml.js'

// Which project file a folder has, and which reader takes it: a picker over small
// readers, each returning the gateway's own configuration (design.md).

const READERS: ProjectReader[] = [serverlessReader, samReader]

async function parse(file: string): Promise<ParsedFile> {
  const ext = extname(file)
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') return readProjectFile(file)
  // serverless.ts / .js: the module's default export is the configuration (no lines).
  if (!existsSync(file)) throw new ProjectFileError({ file }, 'no such file')
  const { tsImport } = await import('tsx/esm/api')
  const mod = await tsImport(
    `${pathToFileURL(file).href}?t=${Date.now()}`,
    pathToFileURL(`${resolve(file, '..')}/`).href,
  )
  const value = mod.default?.default ?? mod.default ?? mod
  return { file, value: await value, lines: new Lines() }
}

/** Reads a project file into the gateway's configuration. Throws ProjectFileError; starts nothing. */
export async function readProject(source: ProjectSource): Promise<ProjectResult> {
  const parsed = await parse(source.file)
  const reader =
    READERS.find((r) => r.kind === source.kind) ?? READERS.find((r) => r.accepts(source.file, parsed.value))
  if (!reader)
    throw new ProjectFileError(
      { file: source.file },
      'neither a serverless.yml nor a SAM/CloudFormation template',
    )
  const result = await reader.read(source, parsed)
  result.summary.stage ||= result.options.stage ?? 'dev'
  return result
}

/** The kind a named file is (for `--serverless` / `--template`, or a guess by name). */
export function kindOf(file: string, hint?: ProjectKind): ProjectKind {
  if (hint) return hint
  return basename(file).startsWith('serverless') ? 'serverless' : 'sam'
}
