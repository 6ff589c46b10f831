// Errors the testkit raises. They are deliberately not StreamerErrors: a strict-mode
// violation must never look like a service answer (so no retry treats it as
// retryable, and no handler's `catch (e) { if (e instanceof GoneError) ... }` hides it).

/** A misuse of the testkit itself: bad arguments, a fixture that cannot run. */
export class TestkitError extends Error {
  override readonly name: string = 'TestkitError'
}

/** A management call the test did not plan for (strict mode). */
export class UnexpectedCallError extends TestkitError {
  override readonly name = 'UnexpectedCallError'
  constructor(
    message: string,
    readonly call: { op: string; endpoint: string; connectionId: string },
  ) {
    super(message)
  }
}

/** `assertCalls` / `verify` found a difference; the message is a line-by-line diff. */
export class CallAssertionError extends TestkitError {
  override readonly name = 'CallAssertionError'
}
