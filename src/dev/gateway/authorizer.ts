import type { AuthorizerPolicyResult, WebSocketAuthorizerContext } from '../../events/types.js'
import type { Outcome } from '../runtime/invoke.js'

// The $connect REQUEST authorizer's answer, read as API Gateway reads it (semantics
// page, section 6): an `Unauthorized` failure is 401, a Deny (or no matching Allow) is
// 403, anything else that is not a valid policy is 500.

export type AuthorizerDecision =
  | { allow: true; context: WebSocketAuthorizerContext }
  | { allow: false; status: 401 | 403 | 500; why: string }

function isUnauthorized(error: unknown): boolean {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : undefined
  return message === 'Unauthorized'
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
  // Semantics page, section 6: throwing, `Unauthorized` or otherwise, refuses with 401.
  if (outcome.kind === 'error') {
    return {
      allow: false,
      status: 401,
      why: isUnauthorized(outcome.error) ? 'Unauthorized' : 'the authorizer threw: refused with 401',
    }
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
