import { AppError } from './errors.js'

// Body parsing shared by WebSocket messages and HTTP requests.

/** The Standard Schema interface (standardschema.dev) that zod, valibot, arktype... implement. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>
    readonly types?: { readonly input: Input; readonly output: Output } | undefined
  }
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> }

export interface StandardIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output']

// A key that could reach a prototype, or any \u escape (a key spelled "\u005f_proto__"
// decodes to __proto__, so escapes must take the careful path too).
const SUSPICIOUS = /__proto__|"constructor"|\\u/

function dropUnsafeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') return undefined
  // `constructor` is ordinary data unless it carries a `prototype` to merge into.
  if (
    key === 'constructor' &&
    typeof value === 'object' &&
    value !== null &&
    Object.hasOwn(value, 'prototype')
  )
    return undefined
  return value
}

/**
 * JSON.parse that turns a syntax error into `bad_request` and drops `__proto__` keys
 * (and `constructor` objects carrying a `prototype`) so a later merge such as
 * `Object.assign` or a deep merge cannot pollute prototypes. The reviver only runs
 * when the text could hold such a key, keeping the common path fast.
 */
export function parseJsonBody(text: string): unknown {
  try {
    return SUSPICIOUS.test(text) ? JSON.parse(text, dropUnsafeKeys) : JSON.parse(text)
  } catch {
    throw new AppError('bad_request', 'Request body is not valid JSON')
  }
}

function issuePath(issue: StandardIssue): string {
  if (!issue.path?.length) return ''
  return issue.path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')
}

function validationError(issues: ReadonlyArray<StandardIssue>): AppError {
  const details = issues.map((i) => ({ path: issuePath(i), message: i.message }))
  const first = details[0]
  const message = first
    ? `Invalid body${first.path ? ` at ${first.path}` : ''}: ${first.message}`
    : 'Invalid body'
  return new AppError('bad_request', message, { details })
}

/** Validates synchronously; an async schema needs `validateAsync`. */
export function validateSync<S extends StandardSchemaV1>(schema: S, value: unknown): InferOutput<S> {
  const result = schema['~standard'].validate(value)
  if (result instanceof Promise) {
    throw new AppError('internal', 'This schema validates asynchronously: use jsonAsync(schema)')
  }
  if (result.issues) throw validationError(result.issues)
  return result.value as InferOutput<S>
}

export async function validateAsync<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): Promise<InferOutput<S>> {
  const result = await schema['~standard'].validate(value)
  if (result.issues) throw validationError(result.issues)
  return result.value as InferOutput<S>
}
