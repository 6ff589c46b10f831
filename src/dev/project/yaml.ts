import { readFile } from 'node:fs/promises'
import {
  type CollectionTag,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type ScalarTag,
} from 'yaml'
import { ProjectFileError } from './errors.js'

// A project file (YAML or JSON, which is YAML) read into plain values, with the line
// of every mapping key kept aside so later errors can point at it. CloudFormation's
// short-form tags (`!Ref X`, `!Sub ...`) become their long form (`{ Ref: X }`,
// `{ 'Fn::Sub': ... }`); any other `!Tag` is an error at its line.

/** Short forms CloudFormation accepts, and the long form each stands for. */
const SHORT_FORMS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  Equals: 'Fn::Equals',
  FindInMap: 'Fn::FindInMap',
  GetAtt: 'Fn::GetAtt',
  GetAZs: 'Fn::GetAZs',
  If: 'Fn::If',
  ImportValue: 'Fn::ImportValue',
  Join: 'Fn::Join',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  Sub: 'Fn::Sub',
  Transform: 'Fn::Transform',
  Length: 'Fn::Length',
  ToJsonString: 'Fn::ToJsonString',
}

// Registered with the parser so it knows them (no "unresolved tag" warnings); the
// conversion to long form happens in `plain` below, where the line is at hand.
const CUSTOM_TAGS: (ScalarTag | CollectionTag)[] = Object.keys(SHORT_FORMS).flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value } as ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (value: unknown) => value } as unknown as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (value: unknown) => value } as unknown as CollectionTag,
])

/** Lines of a parsed file: of an object (its first key) and of each of its keys. */
export class Lines {
  readonly #objects = new WeakMap<object, { line: number; keys: Map<string, number> }>()

  set(target: object, line: number, key?: string, keyLine?: number): void {
    let entry = this.#objects.get(target)
    if (!entry) {
      entry = { line, keys: new Map() }
      this.#objects.set(target, entry)
    }
    if (key !== undefined && keyLine !== undefined) entry.keys.set(key, keyLine)
  }

  /** Gives a copy of an object the lines of its original. */
  alias(from: object, to: object): void {
    const entry = this.#objects.get(from)
    if (entry) this.#objects.set(to, entry)
  }

  /** The line of `target[key]`, else of `target`. */
  of(target: unknown, key?: string | number): number | undefined {
    if (!target || typeof target !== 'object') return undefined
    const entry = this.#objects.get(target)
    if (!entry) return undefined
    return (key !== undefined ? entry.keys.get(String(key)) : undefined) ?? entry.line
  }
}

export interface ParsedFile {
  file: string
  value: unknown
  lines: Lines
}

export function parseProjectText(file: string, text: string): ParsedFile {
  const counter = new LineCounter()
  const doc = parseDocument(text, {
    customTags: CUSTOM_TAGS,
    lineCounter: counter,
    prettyErrors: false,
    uniqueKeys: true,
    // Big templates use many anchors; the default alias limit guards against bombs.
  })
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : counter.linePos(offset).line
  const first = doc.errors[0]
  if (first) {
    const message = first.message.split('\n')[0]
    throw new ProjectFileError({ file, line: lineAt(first.pos[0]) }, `not valid YAML: ${message}`)
  }
  const lines = new Lines()
  const plain = (node: unknown, depth: number): unknown => {
    if (depth > 200) throw new ProjectFileError({ file }, 'nested too deeply')
    if (node === null || node === undefined) return null
    if (isAlias(node)) return plain(node.resolve(doc), depth + 1)
    const n = node as Node
    const line = lineAt(n.range?.[0]) ?? 0
    let value: unknown
    if (isScalar(n)) value = n.value
    else if (isSeq(n)) {
      const arr: unknown[] = n.items.map((item) => plain(item, depth + 1))
      lines.set(arr, line)
      value = arr
    } else if (isMap(n)) {
      const obj: Record<string, unknown> = {}
      lines.set(obj, line)
      for (const pair of n.items) {
        if (!isPair(pair)) continue
        const keyNode = pair.key as Node | null
        const key = String(isScalar(keyNode) ? keyNode.value : plain(keyNode, depth + 1))
        // `<<: *base` merge keys: yaml resolves them when asked; keep the simple case.
        if (key === '<<' && isAlias(pair.value)) {
          const merged = plain(pair.value, depth + 1)
          if (merged && typeof merged === 'object' && !Array.isArray(merged)) Object.assign(obj, merged)
          continue
        }
        obj[key] = plain(pair.value, depth + 1)
        lines.set(obj, line, key, lineAt(keyNode?.range?.[0]) ?? line)
      }
      value = obj
    } else return null
    const tag = n.tag
    if (tag?.startsWith('!') && !tag.startsWith('!!')) {
      const long = SHORT_FORMS[tag.slice(1)]
      if (!long) {
        throw new ProjectFileError(
          { file, line },
          `unknown intrinsic function ${tag} (known: ${Object.keys(SHORT_FORMS)
            .map((k) => `!${k}`)
            .join(', ')})`,
        )
      }
      // `!GetAtt A.B` is the string form of `Fn::GetAtt: [A, B]`.
      if (long === 'Fn::GetAtt' && typeof value === 'string') {
        const dot = value.indexOf('.')
        value = dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)]
        lines.set(value as object, line)
      }
      const wrapped = { [long]: value }
      lines.set(wrapped, line, long, line)
      return wrapped
    }
    return value
  }
  return { file, value: plain(doc.contents, 0), lines }
}

export async function readProjectFile(file: string): Promise<ParsedFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new ProjectFileError({ file }, e.code === 'ENOENT' ? 'no such file' : `cannot read: ${e.message}`)
  }
  return parseProjectText(file, text)
}
