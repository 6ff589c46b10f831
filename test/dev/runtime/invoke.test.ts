import { describe, expect, it } from 'vitest'
import { FunctionTimeoutError, GatewayDeadlineError } from '../../../src/dev/runtime/errors.js'
import { invoke } from '../../../src/dev/runtime/invoke.js'

// A runtime that stops work at the gateway's deadline may report it before invoke()'s own
// timer fires (both aim at the same instant): the outcome must be the same either way.
describe('invoke(): timeouts', () => {
  it('a runtime that gives up at the gateway deadline is a timeout, whichever timer fires first', async () => {
    const outcome = await invoke(
      async () => Promise.reject(new GatewayDeadlineError('past 500ms')),
      {},
      {
        timeoutMs: 60_000,
      },
    )
    expect(outcome.kind).toBe('timeout')
  })

  it('the function’s own timeout is a failed invocation, as on Lambda', async () => {
    const outcome = await invoke(
      async () => Promise.reject(new FunctionTimeoutError(3000)),
      {},
      {
        timeoutMs: 60_000,
      },
    )
    expect(outcome.kind).toBe('error')
    expect((outcome as { error: Error }).error.message).toBe('Task timed out after 3.00 seconds')
  })
})
