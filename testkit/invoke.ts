import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { STREAMER_SCOPE } from '../src/app/streamer-scope.js'
import type { LambdaContext } from '../src/events/types.js'
import type { StreamerClient, StreamerFactory } from '../src/streamer/types.js'
import type { FakeCall } from './calls.js'
import { TestkitError, UnexpectedCallError } from './errors.js'
import { FakeStreamer } from './fake-streamer.js'

// Runs an App (or any Lambda handler) on one event with a FakeStreamer wired in, so
// a user test is a few lines: build an event, invoke, look at result and calls.

/** Any Lambda handler: `(event, context) => result | Promise<result>`. */
export type LambdaHandler = (event: any, context: any) => unknown

/** What invoke needs from an App: its handler, and the seam through which it makes streamer clients. */
interface AppLike {
  handler: LambdaHandler
  streamerFor(endpoint: string, region: string | undefined): StreamerClient
}

/** The Lambda context a test invocation gets: what Node's Lambda runtime passes. */
export interface TestLambdaContext extends LambdaContext {
  functionName: string
  functionVersion: string
  invokedFunctionArn: string
  memoryLimitInMB: string
  logGroupName: string
  logStreamName: string
  callbackWaitsForEmptyEventLoop: boolean
  getRemainingTimeInMillis: () => number
}

export interface InvokeOptions {
  /** The fake @connections service; default: a new strict FakeStreamer. */
  fake?: FakeStreamer
  /** Fields of the Lambda context to set; the rest get realistic defaults. */
  lambdaContext?: Partial<TestLambdaContext>
  /** The simulated function timeout behind `getRemainingTimeInMillis()`; default 30 000 ms. */
  timeoutMs?: number
}

export interface InvokeResult<R = any> {
  /** What the handler returned (the Lambda result). */
  result: R
  /** The management calls made during this invocation, in order. */
  calls: FakeCall[]
  fake: FakeStreamer
}

export interface SettledInvocation<R = any> {
  result?: R
  /** What the handler threw (or rejected with), if it did. */
  error?: unknown
  calls: FakeCall[]
  /** Strict-mode violations during this invocation (also when the handler swallowed them). */
  violations: UnexpectedCallError[]
  fake: FakeStreamer
}

function isAppLike(target: unknown): target is AppLike {
  return (
    typeof target === 'object' &&
    target !== null &&
    typeof (target as AppLike).handler === 'function' &&
    typeof (target as AppLike).streamerFor === 'function'
  )
}

export function lambdaContextFor(
  overrides: Partial<TestLambdaContext> = {},
  timeoutMs = 30_000,
): TestLambdaContext {
  const deadline = Date.now() + timeoutMs
  const functionName = overrides.functionName ?? 'socketeer-test'
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '128',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2024/01/20/[$LATEST]0123456789abcdef0123456789abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    ...overrides,
  }
}

// The App is already built when a test calls invoke, so the fake goes in through its
// streamerFor seam, shadowed on the instance for the duration of the call. Two
// overlapping invocations of one App with different fakes would see each other's.
const wired = new WeakMap<object, { fake: FakeStreamer; depth: number; own?: PropertyDescriptor }>()

function wire(app: AppLike, fake: FakeStreamer): () => void {
  const current = wired.get(app)
  if (current) {
    if (current.fake !== fake) {
      throw new TestkitError(
        'invoke: this App is already running an invocation with another FakeStreamer; use one fake per App at a time',
      )
    }
    current.depth++
  } else {
    const own = Object.getOwnPropertyDescriptor(app, 'streamerFor')
    const entry: { fake: FakeStreamer; depth: number; own?: PropertyDescriptor } = { fake, depth: 1 }
    if (own) entry.own = own
    wired.set(app, entry)
    Object.defineProperty(app, 'streamerFor', {
      configurable: true,
      writable: true,
      value: (endpoint: string, region: string | undefined) => fake.factory(endpoint, { region }),
    })
  }
  return () => {
    const entry = wired.get(app)!
    if (--entry.depth > 0) return
    wired.delete(app)
    if (entry.own) Object.defineProperty(app, 'streamerFor', entry.own)
    else delete (app as { streamerFor?: unknown }).streamerFor
  }
}

// A handler that wraps an App (`middy(app.handler)`, a Powertools or hand-written wrapper)
// hides the App from `invoke`; every App reads this scope in `streamerFor`, so the fake
// still stands in for the duration of the call.
function scopeStorage(): AsyncLocalStorage<StreamerFactory> {
  const g = globalThis as { [STREAMER_SCOPE]?: AsyncLocalStorage<StreamerFactory> }
  g[STREAMER_SCOPE] ??= new AsyncLocalStorage<StreamerFactory>()
  return g[STREAMER_SCOPE]
}

/**
 * Like `invoke`, but the handler's outcome never rejects: the result or the error, plus
 * calls and violations. A mistake in the test itself (a target that is not a handler, an
 * id the fake already knows on `$connect`) still rejects with a TestkitError.
 */
export async function invokeSettled<R = any>(
  target: AppLike | LambdaHandler,
  event: unknown,
  options: InvokeOptions = {},
): Promise<SettledInvocation<R>> {
  const handler = isAppLike(target) ? target.handler : target
  if (typeof handler !== 'function') {
    throw new TestkitError('invoke: the target must be an App or a Lambda handler function')
  }
  const fake = options.fake ?? new FakeStreamer()
  const context = lambdaContextFor(options.lambdaContext, options.timeoutMs)
  const firstCall = fake.calls.length
  const firstViolation = fake.violations.length
  const unwire = isAppLike(target) ? wire(target, fake) : undefined
  const settled: SettledInvocation<R> = { calls: [], violations: [], fake }
  try {
    fake.beforeEvent(event)
    try {
      const scoped: StreamerFactory = (endpoint, options) => fake.factory(endpoint, options)
      settled.result = (await scopeStorage().run(scoped, () => handler(event, context))) as R
    } catch (error) {
      settled.error = error
    }
    fake.afterEvent(event, settled)
  } finally {
    unwire?.()
  }
  settled.calls = fake.calls.slice(firstCall)
  settled.violations = fake.violations.slice(firstViolation)
  return settled
}

/**
 * Runs the handler on one event. Resolves with the result and the calls it made;
 * rejects with what the handler threw, or with the first strict-mode violation even
 * when the handler caught it (the App turns thrown errors into 500 results).
 *
 * An App behind a wrapper (`middy(app.handler)`) gets the fake too. A plain Lambda
 * handler that makes its own SDK client is out of the fake's reach: test those against
 * the local gateway (`socketeer/dev`).
 */
export async function invoke<R = any>(
  target: AppLike | LambdaHandler,
  event: unknown,
  options: InvokeOptions = {},
): Promise<InvokeResult<R>> {
  const settled = await invokeSettled<R>(target, event, options)
  if (settled.violations.length > 0) {
    const [first, ...rest] = settled.violations as [UnexpectedCallError, ...UnexpectedCallError[]]
    if (rest.length === 0) throw first
    const more = rest.map((v) => v.message).join('; ')
    throw new UnexpectedCallError(`${first.message} (and ${rest.length} more: ${more})`, first.call)
  }
  if ('error' in settled) throw settled.error
  return { result: settled.result as R, calls: settled.calls, fake: settled.fake }
}
