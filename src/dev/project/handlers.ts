import { existsSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import type { EntrySpec } from '../runtime/types.js'
import { ProjectFileError, type Where } from './errors.js'

// A Lambda `Handler` string (`dist/handlers/connect.handler`, `app.lambda_handler`) to the
// file that holds it. A handler in a build folder (`dist/...`) is served from its
// TypeScript source when tsconfig's outDir/rootDir (or the usual src/ layout) leads to
// one, so there is no build step to run first and hot reload follows the source.

const NODE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']

export type RuntimeKind = 'node' | 'python' | 'other'

/** `nodejs18.x` → node, `python3.11` → python; no runtime means Node (the Framework's default). */
export function runtimeKind(runtime: unknown): RuntimeKind {
  if (runtime === undefined || runtime === null || runtime === '') return 'node'
  const r = String(runtime)
  if (r.startsWith('nodejs')) return 'node'
  if (r.startsWith('python')) return 'python'
  return 'other'
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const text = readFileSync(file, 'utf8')
    try {
      return JSON.parse(text)
    } catch {
      // tsconfig allows comments and trailing commas.
      const stripped = text
        .replace(/("(?:[^"\\]|\\.)*")|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (_m, str) => str ?? '')
        .replace(/,(\s*[}\]])/g, '$1')
      return JSON.parse(stripped)
    }
  } catch {
    return undefined
  }
}

/** Where the source of a build-folder module may be: tsconfig first, then dist|build|lib → src. */
function sourceCandidates(codeDir: string, modulePath: string): string[] {
  const out: string[] = []
  const tsconfig = readJson(join(codeDir, 'tsconfig.json'))
  const co = (tsconfig?.compilerOptions ?? {}) as Record<string, unknown>
  if (typeof co.outDir === 'string') {
    const outDir = relative(codeDir, resolve(codeDir, co.outDir))
    const rootDir = typeof co.rootDir === 'string' ? relative(codeDir, resolve(codeDir, co.rootDir)) : 'src'
    if (modulePath === outDir || modulePath.startsWith(`${outDir}/`))
      out.push(join(rootDir, modulePath.slice(outDir.length + 1)))
  }
  const m = /^(?:\.\/)?(dist|build|lib|out|\.build)\/(.*)$/.exec(modulePath)
  if (m) out.push(join('src', m[2]!), m[2]!)
  return out
}

function firstExisting(codeDir: string, modulePath: string, extensions: string[]): string | undefined {
  for (const ext of extensions) {
    const file = resolve(codeDir, modulePath + ext)
    if (existsSync(file)) return file
  }
  return undefined
}

export interface HandlerInput {
  handler: string
  runtime: RuntimeKind
  codeDir: string
  where: Where
}

/** The handler's file and export; throws a ProjectFileError at the handler's line when missing. */
export function locateHandler(input: HandlerInput): Pick<EntrySpec, 'file' | 'exportName' | 'runtime'> {
  const { handler, codeDir, where } = input
  const dot = handler.lastIndexOf('.')
  if (dot <= 0 || dot === handler.length - 1)
    throw new ProjectFileError(where, `handler ${JSON.stringify(handler)} must be <file>.<function>`)
  const modulePath = handler.slice(0, dot)
  const exportName = handler.slice(dot + 1)
  if (input.runtime === 'python') {
    // Lambda's Python handler is module.function, with dots for packages.
    const file = resolve(codeDir, `${modulePath.replace(/\./g, '/')}.py`)
    if (!existsSync(file))
      throw new ProjectFileError(where, `handler ${handler}: no file ${relative(process.cwd(), file)}`)
    return { file, exportName, runtime: 'python' }
  }
  for (const candidate of sourceCandidates(codeDir, modulePath)) {
    const file = firstExisting(codeDir, candidate, ['.ts', '.mts', '.cts'])
    if (file) return { file, exportName, runtime: 'node' }
  }
  const file = firstExisting(codeDir, modulePath, NODE_EXTENSIONS)
  if (file) return { file, exportName, runtime: 'node' }
  const tried = [modulePath, ...sourceCandidates(codeDir, modulePath)].map((p) => `${p}.{ts,js,mjs,cjs}`)
  throw new ProjectFileError(
    where,
    `handler ${handler}: no such file (looked for ${tried.join(', ')} in ${relative(process.cwd(), codeDir) || '.'})`,
  )
}
