import { ProjectFileError, type ProjectNote, type Where } from './errors.js'
import type { Lines } from './yaml.js'

// CloudFormation's intrinsic functions, evaluated locally: `Ref` and `Fn::GetAtt` of a
// resource give its local value (a table's name, a function's ARN), parameters their
// default or override, pseudo parameters fixed local values. Only the properties the dev
// server uses are evaluated, so an IAM policy's exotic function never stops it.

/** `AWS::NoValue`: the key or item it stands in is dropped. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue')

export interface CfnScope {
  file: string
  lines: Lines
  /** Parameter values (defaults, then overrides) and pseudo parameters. */
  params: Record<string, unknown>
  /** The local value of `Ref` to a resource; undefined when there is no such resource. */
  ref(logicalId: string): string | undefined
  /** The local value of `Fn::GetAtt`; undefined when the resource is unknown. */
  getAtt(logicalId: string, attribute: string): string | undefined
  mappings: Record<string, unknown>
  conditions: Record<string, unknown>
  notes: ProjectNote[]
}

const FUNCTIONS = new Set([
  'Ref',
  'Condition',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::Equals',
  'Fn::FindInMap',
  'Fn::GetAtt',
  'Fn::GetAZs',
  'Fn::If',
  'Fn::ImportValue',
  'Fn::Join',
  'Fn::Not',
  'Fn::And',
  'Fn::Or',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
  'Fn::Transform',
  'Fn::Length',
  'Fn::ToJsonString',
])

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value)
}

/** The intrinsic function an object is, if it is one (a single `Ref`/`Fn::` key). */
function intrinsicOf(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value)
  if (keys.length !== 1) return undefined
  const key = keys[0]!
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::') ? key : undefined
}

export class Evaluator {
  readonly #scope: CfnScope
  readonly #conditionCache = new Map<string, boolean>()

  constructor(scope: CfnScope) {
    this.#scope = scope
  }

  #where(holder: unknown, key?: string | number): Where {
    return { file: this.#scope.file, line: this.#scope.lines.of(holder, key) }
  }

  #fail(holder: unknown, message: string): never {
    throw new ProjectFileError(this.#where(holder), message)
  }

  /** Evaluates a value; `AWS::NoValue` comes back as NO_VALUE at the top level. */
  value(input: unknown, depth = 0): unknown {
    if (depth > 100) this.#fail(input, 'intrinsic functions nested too deeply')
    if (Array.isArray(input)) {
      const out: unknown[] = []
      for (const item of input) {
        const v = this.value(item, depth + 1)
        if (v !== NO_VALUE) out.push(v)
      }
      return out
    }
    if (!isRecord(input)) return input
    const fn = intrinsicOf(input)
    if (fn) {
      if (!FUNCTIONS.has(fn)) this.#fail(input, `unknown intrinsic function ${fn}`)
      return this.#call(fn, input, depth)
    }
    const key = Object.keys(input).find((k) => k.startsWith('Fn::') && !FUNCTIONS.has(k))
    if (key) this.#fail(input, `unknown intrinsic function ${key}`)
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(input)) {
      const e = this.value(v, depth + 1)
      if (e !== NO_VALUE) out[k] = e
    }
    return out
  }

  /** Evaluates to a string (or fails at the holder's line). */
  string(input: unknown, what: string): string | undefined {
    const v = this.value(input)
    if (v === undefined || v === null || v === NO_VALUE) return undefined
    if (typeof v === 'string') return v
    if (typeof v === 'number' || typeof v === 'boolean') return String(v)
    this.#fail(input, `${what} must be a string, got ${JSON.stringify(v)}`)
  }

  condition(name: string, holder: unknown): boolean {
    const cached = this.#conditionCache.get(name)
    if (cached !== undefined) return cached
    if (!Object.hasOwn(this.#scope.conditions, name)) this.#fail(holder, `no condition named ${name}`)
    this.#conditionCache.set(name, false) // a cycle reads false rather than looping
    const result = this.value(this.#scope.conditions[name]) === true
    this.#conditionCache.set(name, result)
    return result
  }

  #ref(name: string, holder: unknown): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE
    if (Object.hasOwn(this.#scope.params, name)) return this.#scope.params[name]
    const local = this.#scope.ref(name)
    if (local !== undefined) return local
    this.#fail(holder, `Ref to ${name}: no parameter or resource of that name`)
  }

  #getAtt(id: string, attribute: string, holder: unknown): string {
    const value = this.#scope.getAtt(id, attribute)
    if (value === undefined) this.#fail(holder, `Fn::GetAtt ${id}.${attribute}: no resource named ${id}`)
    return value
  }

  #sub(template: string, vars: Record<string, unknown>, holder: unknown): string {
    return template.replace(/\$\{([^}]*)\}/g, (_all, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`
      const name = inner.trim()
      if (Object.hasOwn(vars, name)) return String(this.value(vars[name]))
      const dot = name.indexOf('.')
      if (dot > 0 && !name.startsWith('AWS::'))
        return this.#getAtt(name.slice(0, dot), name.slice(dot + 1), holder)
      return String(this.#ref(name, holder))
    })
  }

  #note(holder: unknown, message: string): void {
    this.#scope.notes.push({ where: this.#where(holder), message })
  }

  #call(fn: string, holder: Record<string, unknown>, depth: number): unknown {
    const raw = holder[fn]
    const arg = (i: number) => (Array.isArray(raw) ? this.value(raw[i], depth + 1) : undefined)
    const list = (what: string): unknown[] => {
      if (!Array.isArray(raw)) this.#fail(holder, `${fn} takes a list (${what})`)
      return raw
    }
    switch (fn) {
      case 'Ref': {
        const name = this.value(raw, depth + 1)
        if (typeof name !== 'string') this.#fail(holder, 'Ref takes a name')
        return this.#ref(name, holder)
      }
      case 'Condition':
        if (typeof raw !== 'string') this.#fail(holder, 'Condition takes a condition name')
        return this.condition(raw, holder)
      case 'Fn::GetAtt': {
        const parts = typeof raw === 'string' ? raw.split('.') : (this.value(raw, depth + 1) as unknown[])
        if (!Array.isArray(parts) || parts.length < 2)
          this.#fail(holder, 'Fn::GetAtt takes [resource, attribute]')
        return this.#getAtt(String(parts[0]), parts.slice(1).join('.'), holder)
      }
      case 'Fn::Sub': {
        if (typeof raw === 'string') return this.#sub(raw, {}, holder)
        list('[template, variables]')
        const template = arg(0)
        const vars = (raw as unknown[])[1] ?? {}
        if (typeof template !== 'string' || !isRecord(vars))
          this.#fail(holder, 'Fn::Sub takes a string or [string, map]')
        return this.#sub(template, vars, holder)
      }
      case 'Fn::Join': {
        list('[delimiter, values]')
        const delimiter = arg(0)
        const values = arg(1)
        if (typeof delimiter !== 'string' || !Array.isArray(values))
          this.#fail(holder, 'Fn::Join takes [delimiter, [values]]')
        return values.map(String).join(delimiter)
      }
      case 'Fn::Select': {
        list('[index, list]')
        const index = Number(arg(0))
        const values = arg(1)
        if (!Array.isArray(values) || !Number.isInteger(index) || index < 0 || index >= values.length)
          this.#fail(holder, 'Fn::Select: index out of range')
        return values[index]
      }
      case 'Fn::Split': {
        list('[delimiter, string]')
        const delimiter = arg(0)
        const source = arg(1)
        if (typeof delimiter !== 'string' || typeof source !== 'string')
          this.#fail(holder, 'Fn::Split takes [delimiter, string]')
        return source.split(delimiter)
      }
      case 'Fn::If': {
        list('[condition, then, else]')
        const name = (raw as unknown[])[0]
        if (typeof name !== 'string') this.#fail(holder, 'Fn::If takes a condition name first')
        return this.condition(name, holder) ? arg(1) : arg(2)
      }
      case 'Fn::Equals': {
        list('[a, b]')
        return JSON.stringify(arg(0)) === JSON.stringify(arg(1)) || String(arg(0)) === String(arg(1))
      }
      case 'Fn::Not':
        return !(arg(0) === true)
      case 'Fn::And':
        return list('conditions').every((_, i) => arg(i) === true)
      case 'Fn::Or':
        return list('conditions').some((_, i) => arg(i) === true)
      case 'Fn::FindInMap': {
        list('[map, key, key]')
        const map = this.#scope.mappings[String(arg(0))]
        const top = isRecord(map) ? map[String(arg(1))] : undefined
        const value = isRecord(top) ? top[String(arg(2))] : undefined
        if (value === undefined)
          this.#fail(holder, `Fn::FindInMap: no ${arg(0)}.${arg(1)}.${arg(2)} in Mappings`)
        return this.value(value, depth + 1)
      }
      case 'Fn::Base64':
        return Buffer.from(String(this.value(raw, depth + 1))).toString('base64')
      case 'Fn::GetAZs': {
        const region = String(this.#scope.params['AWS::Region'])
        return [`${region}a`, `${region}b`, `${region}c`]
      }
      case 'Fn::Length': {
        const v = this.value(raw, depth + 1)
        return Array.isArray(v) ? v.length : 0
      }
      case 'Fn::ToJsonString':
        return JSON.stringify(this.value(raw, depth + 1))
      default:
        // Fn::ImportValue, Fn::Cidr, Fn::Transform: values from outside this template.
        this.#note(holder, `${fn} has no local value: left empty`)
        return ''
    }
  }
}
