import type { AuthorizerPolicyResult, WebSocketAuthorizerContext } from '../../events/types.js'
import type { Outcome } from '../runtime/invoke.js'

// The $connect REQUEST authorizer's answer, read as API Gateway reads it (semantics
// page, section 6): a failure with the message exactly `Unauthorized` is 401, a Deny (or
// no matching Allow) is 403; any other failure, a timeout, or a result that is not a
// valid policy is 500, so a crashing authorizer is not mistaken for bad credentials.

export type AuthorizerDecision =
  | { allow: true; context: WebSocketAuthorizerContext }
  | { allow: false; status: 401 | 403 | 500; why: string }

// Node's `throw new Error('Unauthorized')` / `callback('Unauthorized')`, or a runtime's
// error record (`{ errorMessage: 'Unauthorized' }`, as Python's `raise Exception(...)` reports).
function isUnauthorized(error: unknown): boolean {
  if (typeof error === 'string') return error === 'Unauthorized'
  if (error instanceof Error) return error.message === 'Unauthorized'
  return (error as { errorMessage?: unknown } | null)?.errorMessage === 'Unauthorized'
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${escaped}$`)
}

const list = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []

function matches(statement: Record<string, unknown>, methodArn: string): boolean {
  const actionOk = list(statement.Action).some((a) => wildcard(a).test('execute-api:Invoke'))
  return actionOk && list(statement.Resource).some((r) => wildcard(r).test(methodArn))
}

export function readAuthorizerOutcome(outcome: Outcome, methodArn: string): AuthorizerDecision {
  if (outcome.kind === 'timeout') return { allow: false, status: 500, why: 'the authorizer timed out' }
  if (outcome.kind === 'error') {
    return isUnauthorized(outcome.error)
      ? { allow: false, status: 401, why: 'Unauthorized' }
      : { allow: false, status: 500, why: 'the authorizer failed (only the error "Unauthorized" gives 401)' }
  }
  const result = outcome.value as Partial<AuthorizerPolicyResult> | null | undefined
  if (!result || typeof result !== 'object' || typeof result.principalId !== 'string') {
    return { allow: false, status: 500, why: 'the authorizer result has no principalId' }
  }
  const statements = result.policyDocument?.Statement
  if (!Array.isArray(statements)) {
    return { allow: false, status: 500, why: 'the authorizer result has no policyDocument.Statement' }
  }
  const applicable = statements.filter(
    (s) => s && typeof s === 'object' && matches(s as unknown as Record<string, unknown>, methodArn),
  )
  if (applicable.some((s) => s.Effect === 'Deny'))
    return { allow: false, status: 403, why: 'the policy denies' }
  if (!applicable.some((s) => s.Effect === 'Allow')) {
    return { allow: false, status: 403, why: `no Allow statement covers ${methodArn}` }
  }
  const context: WebSocketAuthorizerContext = { principalId: result.principalId }
  // Later events see the context as API Gateway passes it on: numbers and booleans as
  // strings (AWS's "Output from an API Gateway Lambda authorizer" page shows
  // "numberKey": "1", "booleanKey": "true"), null kept (a real capture in
  // DefinitelyTyped#69823 has "null": null). So `admin === true` fails here as on AWS.
  for (const [key, value] of Object.entries(result.context ?? {})) {
    if (value === undefined) continue
    if (value === null) context[key] = null
    else if (typeof value === 'object') {
      return {
        allow: false,
        status: 500,
        why: `authorizer context.${key} must be a string, number or boolean`,
      }
    } else context[key] = String(value)
  }
  context.integrationLatency = Math.round(outcome.ms)
  return { allow: true, context }
}
