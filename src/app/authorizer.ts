import { AppError } from '../errors.js'
import type { AuthorizerPolicyResult, AuthorizerRequestEvent } from '../events/types.js'
import type { Context } from './context.js'
import { AuthorizerFailedError } from './errors.js'

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

/** What API Gateway reads as 401: the function fails with the message exactly `Unauthorized`. */
function unauthorized(): Error {
  return new Error('Unauthorized')
}

/**
 * Allow: the handler returns `{ principalId, context? }` (or a full policy, passed through).
 * 401: `ctx.reject(401)`, an `AppError('unauthorized')` or an error whose message is
 * exactly `Unauthorized`: the invocation fails with `Unauthorized`.
 * 403: `ctx.reject(403)` returns a Deny policy.
 * 500: anything else (a bug, a timeout, a result without a principalId): the invocation
 * fails with another message, which API Gateway answers with 500, as it does for a plain
 * Lambda authorizer (semantics page, section 6). A crash is never reported as bad credentials.
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
    if (
      error instanceof AppError ? error.status === 401 : (error as Error | null)?.message === 'Unauthorized'
    )
      throw unauthorized()
    ctx.log.error('authorizer failed', { error })
    throw new AuthorizerFailedError('the authorizer failed', error)
  }
  if (decision && typeof decision === 'object' && 'policyDocument' in decision)
    return decision as AuthorizerPolicyResult
  const d = decision as Partial<AuthorizerDecision> | undefined
  if (!d || typeof d.principalId !== 'string') {
    ctx.log.error('authorizer returned no principalId; refusing the connection')
    throw new AuthorizerFailedError('the authorizer returned no principalId')
  }
  const result = policy(event, d.principalId, 'Allow')
  if (d.context) result.context = d.context
  return result
}
