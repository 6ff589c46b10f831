import { randomUUID } from 'node:crypto'
import { asLambdaSends } from '../../events/proxy-result.js'
import type { LambdaHandler } from '../options.js'
import { GatewayDeadlineError } from './errors.js'

// Invoking a handler the way the Lambda runtime does: a context object with a deadline,
// async or callback style, errors and timeouts turned into outcomes (never a rejection,
// so a crashing or hanging handler cannot take the gateway down).

export type Outcome = (
  | { kind: 'ok'; value: unknown; ms: number }
  | { kind: 'error'; error: unknown; ms: number }
  | { kind: 'timeout'; ms: number }
) & {
  /** The Lambda context's awsRequestId. */
  requestId: string
  /** What the invocation printed, when its runtime captures that (a Python worker does). */
  output?: string
}

/** Lambda's memory size when a function declares none (the Serverless Framework's default). */
export const DEFAULT_MEMORY_MB = 1024

/** Lambda's TZ: handlers run in UTC unless their environment says otherwise. */
export const LAMBDA_TZ = ':UTC'

/** On the context: a runtime that captures a handler's output reports it here. */
export const REPORT_OUTPUT: unique symbol = Symbol('socketeer.report-output') as any

export interface InvokeOptions {
  timeoutMs: number
  /** Shown in the context (functionName, ARN, log group). */
  functionName?: string
}

function lambdaContext(functionName: string, deadline: number, report: (output: string) => void) {
  const requestId = randomUUID()
  return {
    [REPORT_OUTPUT]: report,
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(DEFAULT_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/** Runs the handler once. Resolves with what happened; never rejects. */
export function invoke(handler: LambdaHandler, event: unknown, options: InvokeOptions): Promise<Outcome> {
  const started = performance.now()
  const ms = () => Math.round((performance.now() - started) * 10) / 10
  const deadline = Date.now() + options.timeoutMs
  let output: string | undefined
  const context = lambdaContext(options.functionName ?? 'socketeer-local', deadline, (text) => {
    output = (output ?? '') + text
  })
  const requestId = context.awsRequestId
  return new Promise<Outcome>((resolve) => {
    let settled = false
    const settle = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (output !== undefined) outcome.output = output
      resolve(outcome)
    }
    const timer = setTimeout(() => settle({ kind: 'timeout', ms: ms(), requestId }), options.timeoutMs)
    const fail = (error: unknown) =>
      settle(
        error instanceof GatewayDeadlineError
          ? { kind: 'timeout', ms: ms(), requestId }
          : { kind: 'error', error, ms: ms(), requestId },
      )
    const ok = (value: unknown) => {
      if (settled) return
      let sent: unknown
      try {
        sent = asLambdaSends(value)
      } catch (error) {
        fail(error)
        return
      }
      settle({ kind: 'ok', value: sent, ms: ms(), requestId })
    }
    const callback = (error?: unknown, result?: unknown) => {
      if (error !== undefined && error !== null) fail(error)
      else ok(result)
    }
    let returned: unknown
    try {
      returned = handler(event, context, callback)
    } catch (error) {
      fail(error)
      return
    }
    if (isThenable(returned)) {
      // A late rejection after a timeout is still handled here, so it is never unhandled.
      Promise.resolve(returned).then(ok, fail)
    } else if (handler.length < 3) {
      // Neither a promise nor a callback handler: the return value is the result.
      ok(returned)
    }
  })
}
