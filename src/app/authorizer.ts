import { AppError } from '../errors.js'
import type { AuthorizerPolicyResult, AuthorizerRequestEvent } from '../events/types.js'
import type { Context } from './context.js'

// The `$connect` REQUEST authorizer (semantics page, section 6). The handler decides;
// this file speaks the IAM policy dialect API Gateway expects.

export interface AuthorizerDecision {
  principalId: string
  /** Appears as `requestContext.authorizer` on every later event of the connection. */
  context?: Record<string, string | number | boolean>
}

export type AuthorizerHandler = (ctx: Context, event: AuthorizerRequestEvent) => unknown

export type AuthorizerResult = AuthorizerPolicyResult

function policy(
  event: AuthorizerRequestEvent,
  principalId: string,
  effect: 'Allow' | 'Deny',
): AuthorizerPolicyResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }],
    },
  }
}

/**
 * Allow: the handler returns `{ principalId, context? }` (or a full policy, passed through).
 * 401: it throws (or `ctx.reject(401)`): Lambda authorizers signal that by failing with `Unauthorized`.
 * 403: `ctx.reject(403)` returns a Deny policy.
 */
export async function runAuthorizer(
  handler: AuthorizerHandler,
  ctx: Context,
  event: AuthorizerRequestEvent,
): Promise<AuthorizerPolicyResult> {
  let decision: unknown
  try {
    decision = await handler(ctx, event)
  } catch (error) {
    if (error instanceof AppError && error.status === 403) return policy(event, 'denied', 'Deny')
    if (!(error instanceof AppError && error.status === 401)) ctx.log.error('authorizer failed', { error })
    throw new Error('Unauthorized')
  }
  if (decision && typeof decision === 'object' && 'policyDocument' in decision)
    return decision as AuthorizerPolicyResult
  const d = decision as Partial<AuthorizerDecision> | undefined
  if (!d || typeof d.principalId !== 'string') {
    ctx.log.error('authorizer returned no principalId; refusing the connection')
    throw new Error('Unauthorized')
  }
  const result = policy(event, d.principalId, 'Allow')
  if (d.context) result.context = d.context
  return result
}
