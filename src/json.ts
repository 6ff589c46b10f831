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

const UNSAFE_KEY = /"(__proto__|constructor|prototype)"\s*:/

function dropUnsafeKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value
}

/**
 * JSON.parse that turns a syntax error into `bad_request` and drops `__proto__`,
 * `constructor` and `prototype` keys so a later merge cannot pollute prototypes.
 * The reviver only runs when such a key appears, keeping the common path fast.
 */
export function parseJsonBody(text: string): unknown {
  try {
    return UNSAFE_KEY.test(text) ? JSON.parse(text, dropUnsafeKeys) : JSON.parse(text)
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
