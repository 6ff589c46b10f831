import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { ProjectFileError, type ProjectNote } from './errors.js'
import { type Lines, parseProjectText } from './yaml.js'

// serverless.yml variables: `${self:...}`, `${opt:stage, 'default'}`, `${env:X, default}`,
// `${sls:stage}`, `${aws:region}`, `${file(./x.json):key}`. Innermost first, so
// `${self:custom.url.${self:provider.stage}}` works; a variable that is the whole value
// keeps its type (an object, a number). What cannot be resolved here (`${ssm:...}`,
// `${cf:...}`) is one warning with file and line, and stays as written.

export interface VariableSources {
  file: string
  lines: Lines
  /** `--stage` (opt:stage); undefined when not given. */
  stage?: string
  /** Other `--x` options (opt:x). */
  options: Record<string, string | undefined>
  env: Record<string, string | undefined>
  notes: ProjectNote[]
}

const UNRESOLVED = Symbol('unresolved')

/** Splits `a, 'b, c', d` on top-level commas. */
function splitParams(text: string): string[] {
  const out: string[] = []
  let quote = ''
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = ''
    } else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '(') depth++
    else if (ch === ')') depth--
    else if (ch === ',' && depth === 0) {
      out.push(current.trim())
      current = ''
      continue
    }
    current += ch
  }
  out.push(current.trim())
  return out
}

function getPath(root: unknown, path: string): unknown {
  let node = root
  for (const part of path.split('.').filter(Boolean)) {
    if (!node || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}

export class VariableResolver {
  readonly #root: Record<string, unknown>
  readonly #src: VariableSources
  /**
   * The resolver of serverless.yml itself. A file read by `${file()}` has its own file and
   * lines (for notes), but `${self:}`, the stage and the region are the root file's, as
   * the Framework resolves them: the included text becomes part of the configuration.
   */
  readonly #top: VariableResolver
  readonly #resolving = new Set<string>()
  /** Files read through `${file()}` (absolute path → resolved content), the root's only. */
  readonly #files = new Map<string, unknown>()
  /** Every path `${file()}` named, read or not: a missing one may appear later (hot reload). */
  readonly #named = new Set<string>()
  readonly #reading = new Set<string>()

  constructor(root: Record<string, unknown>, sources: VariableSources, top?: VariableResolver) {
    this.#root = root
    this.#src = sources
    this.#top = top ?? this
  }

  /** The files `${file()}` named, at any depth (watched like the project file). */
  files(): string[] {
    return [...this.#top.#named]
  }

  /** The stage: `--stage`, else provider.stage, else `dev` (as the Framework does). */
  stage(): string {
    if (this.#top !== this) return this.#top.stage()
    if (this.#src.stage) return this.#src.stage
    const provider = this.#root.provider as Record<string, unknown> | undefined
    const value = provider ? this.resolve(provider.stage, provider, 'stage') : undefined
    return typeof value === 'string' && value ? value : 'dev'
  }

  region(): string {
    if (this.#top !== this) return this.#top.region()
    const provider = this.#root.provider as Record<string, unknown> | undefined
    const value = provider ? this.resolve(provider.region, provider, 'region') : undefined
    return (this.#src.options.region ?? (typeof value === 'string' && value)) || 'us-east-1'
  }

  /** Resolves every variable inside a value. `holder[key]` is where it sits (for lines). */
  resolve(value: unknown, holder: unknown, key: string | number): unknown {
    if (typeof value === 'string') return this.#string(value, holder, key)
    if (Array.isArray(value)) {
      const arr = value.map((v, i) => this.resolve(v, value, i))
      this.#src.lines.alias(value, arr)
      return arr
    }
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) out[k] = this.resolve(v, value, k)
      this.#src.lines.alias(value, out)
      return out
    }
    return value
  }

  #warn(holder: unknown, key: string | number, message: string): void {
    this.#src.notes.push({ where: { file: this.#src.file, line: this.#src.lines.of(holder, key) }, message })
  }

  #string(text: string, holder: unknown, key: string | number): unknown {
    let current: unknown = text
    for (let guard = 0; guard < 50 && typeof current === 'string'; guard++) {
      // The innermost variable: one with no `${` inside.
      const m = /\$\{([^${}]*)\}/.exec(current)
      if (!m) return current
      const value = this.#variable(m[1]!, holder, key)
      if (value === UNRESOLVED) {
        // Leave it as written; keep resolving what follows it.
        const rest = this.#string(current.slice(m.index + m[0].length), holder, key)
        return current.slice(0, m.index + m[0].length) + String(rest)
      }
      if (m[0] === current) return value
      current =
        current.slice(0, m.index) +
        (typeof value === 'string' ? value : JSON.stringify(value)) +
        current.slice(m.index + m[0].length)
    }
    return current
  }

  #variable(inner: string, holder: unknown, key: string | number): unknown {
    const params = splitParams(inner)
    for (const param of params) {
      const value = this.#source(param, holder, key)
      if (value !== undefined && value !== UNRESOLVED) return value
      if (value === UNRESOLVED) return UNRESOLVED
    }
    this.#warn(holder, key, `\${${inner}} has no value here (no default given): left as written`)
    return UNRESOLVED
  }

  /** One source or literal; undefined means "no value, try the next fallback". */
  #source(param: string, holder: unknown, key: string | number): unknown {
    const quoted = /^(['"])(.*)\1$/s.exec(param)
    if (quoted) return quoted[2]
    if (/^-?\d+(\.\d+)?$/.test(param)) return Number(param)
    if (param === 'true' || param === 'false') return param === 'true'
    if (param === 'null') return null
    const fileRef = /^file\(([^)]+)\)(?::(.*))?$/.exec(param)
    if (fileRef) return this.#file(fileRef[1]!.trim(), fileRef[2]?.trim(), holder, key)
    const colon = param.indexOf(':')
    const source = colon < 0 ? 'self' : param.slice(0, colon)
    const address = colon < 0 ? param : param.slice(colon + 1)
    switch (source) {
      case 'self':
        return this.#self(address, holder, key)
      case 'opt':
        return address === 'stage' ? this.#src.stage : this.#src.options[address]
      case 'env':
        return this.#src.env[address]
      case 'sls':
        if (address === 'stage') return this.stage()
        if (address === 'instanceId') return 'local'
        break
      case 'aws':
        if (address === 'region') return this.region()
        if (address === 'accountId') return '123456789012'
        break
    }
    this.#warn(holder, key, `\${${param}}: the ${source} source is not resolved locally: left as written`)
    return UNRESOLVED
  }

  #self(path: string, holder: unknown, key: string | number): unknown {
    const top = this.#top
    if (path === '') return top.#root
    if (top.#resolving.has(path)) {
      throw new ProjectFileError(
        { file: this.#src.file, line: this.#src.lines.of(holder, key) },
        `\${self:${path}} refers to itself`,
      )
    }
    top.#resolving.add(path)
    try {
      // Walked a part at a time: a part that is itself a variable (`custom: ${file(./x.yml)}`)
      // is resolved first, so `${self:custom.table}` reads into the included file.
      let node: unknown = top.#root
      let parent: unknown
      let last: string | number = ''
      for (const part of path.split('.').filter(Boolean)) {
        if (typeof node === 'string' && node.includes('${')) node = top.resolve(node, parent, last)
        if (!node || typeof node !== 'object') return undefined
        parent = node
        last = part
        node = (node as Record<string, unknown>)[part]
      }
      return node === undefined ? undefined : top.resolve(node, parent, last)
    } finally {
      top.#resolving.delete(path)
    }
  }

  #file(path: string, address: string | undefined, holder: unknown, key: string | number): unknown {
    const top = this.#top
    const full = resolve(dirname(this.#src.file), path)
    top.#named.add(full)
    let content = top.#files.get(full)
    if (content === undefined) {
      if (top.#reading.has(full))
        throw new ProjectFileError(
          { file: this.#src.file, line: this.#src.lines.of(holder, key) },
          `\${file(${path})} includes itself`,
        )
      let text: string
      try {
        text = readFileSync(full, 'utf8')
      } catch {
        return undefined // a fallback may follow; else the "no value" warning
      }
      const parsed = parseProjectText(full, text)
      const sub = new VariableResolver(
        (parsed.value ?? {}) as Record<string, unknown>,
        { ...this.#src, file: full, lines: parsed.lines },
        top,
      )
      top.#reading.add(full)
      try {
        content = sub.resolve(parsed.value, parsed.value, '')
      } finally {
        top.#reading.delete(full)
      }
      top.#files.set(full, content)
    }
    return address ? getPath(content, address) : content
  }
}
