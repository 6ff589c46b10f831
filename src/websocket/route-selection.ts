// Route selection expressions (semantics page, section 3): `$request.body.action`,
// nested paths (`$request.body.service.do`) and templates
// (`${request.body.service}/${request.body.action}`). A missing path is "";
// a body that is not JSON, or an expression that cannot be evaluated, selects `$default`.

import { RouteSelectionError } from './errors.js'

export type RouteSelector = (body: string) => string

const SIMPLE = /^\$request\.body((?:\.[^.${}]+)+)$/
const TEMPLATE_PART = /\$\{request\.body((?:\.[^.${}]+)+)\}/g

function pathOf(dotted: string): string[] {
  return dotted.slice(1).split('.')
}

function lookup(value: unknown, path: string[]): string {
  let current: unknown = value
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return ''
    current = (current as Record<string, unknown>)[key]
  }
  if (current === undefined || current === null) return ''
  if (typeof current !== 'object') return String(current)
  try {
    return JSON.stringify(current)
  } catch {
    // Nesting too deep to stringify: an expression that cannot be evaluated selects $default.
    return ''
  }
}

/** Compiles an expression once; the selector returns the route key for a frame ('' means `$default`). */
export function compileRouteSelection(expression: string): RouteSelector {
  const simple = SIMPLE.exec(expression)
  if (simple) {
    const path = pathOf(simple[1]!)
    return (body) => {
      const parsed = parseObject(body)
      return parsed === undefined ? '' : lookup(parsed, path)
    }
  }
  const parts: Array<string | string[]> = []
  let last = 0
  for (const m of expression.matchAll(TEMPLATE_PART)) {
    if (m.index! > last) parts.push(expression.slice(last, m.index))
    parts.push(pathOf(m[1]!))
    last = m.index! + m[0].length
  }
  if (last < expression.length) parts.push(expression.slice(last))
  if (
    !parts.some((p) => Array.isArray(p)) ||
    /\$(?!\{request\.body)/.test(expression.replace(TEMPLATE_PART, ''))
  ) {
    throw new RouteSelectionError(
      `unsupported route selection expression ${JSON.stringify(expression)}: use $request.body.<path> or \${request.body.<path>} templates`,
    )
  }
  return (body) => {
    const parsed = parseObject(body)
    if (parsed === undefined) return ''
    return parts.map((p) => (typeof p === 'string' ? p : lookup(parsed, p))).join('')
  }
}

function parseObject(body: string): object | undefined {
  const first = body.trimStart()[0]
  if (first !== '{' && first !== '[') return undefined
  try {
    const parsed: unknown = JSON.parse(body)
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined
  } catch {
    return undefined
  }
}

// $connect and $disconnect are lifecycle routes: a frame that names one still goes to $default.
const LIFECYCLE = new Set(['$connect', '$disconnect'])

/** Exact match against the registered keys, else `$default` (the caller decides what no `$default` means). */
export function selectRoute(selected: string, routes: ReadonlySet<string>): string {
  return selected !== '' && routes.has(selected) && !LIFECYCLE.has(selected) ? selected : '$default'
}
