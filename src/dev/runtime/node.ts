import { APP_INTEGRATION } from '../../app/integration.js'
import type { LambdaHandler } from '../options.js'
import { holdVars } from './env.js'
import { FunctionTimeoutError } from './errors.js'
import { LAMBDA_TZ } from './invoke.js'
import { loadEntries } from './loader.js'
import type { EntrySpec, LoadedFunctions, Runtime, RuntimeHost } from './types.js'

// JavaScript and TypeScript handlers, in the gateway's own process (loaded with tsx).
//
// Environment: in-process handlers share one process.env. Each function's `env` is
// merged into it before the handlers load (so module-level reads see it), over the
// shell's values; when two functions set one variable to different values the first
// one's value stays and the log says so: run such functions in separate gateways.
// The variables are taken out again when the generation is released.

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/**
 * The handler with the spec's own function name, timeout and memory size in its context. The timeout
 * fails the invocation as Lambda does; the handler's code cannot be stopped in process,
 * so what it does later still happens (a Python worker is killed instead).
 */
function withSpec(handler: LambdaHandler, spec: EntrySpec): LambdaHandler {
  const { timeoutMs, functionName, memoryMb } = spec
  if (timeoutMs === undefined && functionName === undefined && memoryMb === undefined) return handler
  const wrapped: LambdaHandler = (event, context) =>
    new Promise((resolve, reject) => {
      const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs
      const name = functionName ?? context.functionName
      const ctx = {
        ...context,
        functionName: name,
        invokedFunctionArn: String(context.invokedFunctionArn).replace(/[^:]*$/, name),
        logGroupName: `/aws/lambda/${name}`,
        memoryLimitInMB: memoryMb === undefined ? context.memoryLimitInMB : String(memoryMb),
        getRemainingTimeInMillis:
          deadline === undefined
            ? context.getRemainingTimeInMillis
            : () => Math.max(0, Math.min(deadline - Date.now(), context.getRemainingTimeInMillis())),
      }
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => reject(new FunctionTimeoutError(timeoutMs)), timeoutMs)
      const done = (fn: () => void) => {
        clearTimeout(timer)
        fn()
      }
      const callback = (error?: unknown, result?: unknown) =>
        done(() => (error !== undefined && error !== null ? reject(error) : resolve(result)))
      let returned: unknown
      try {
        returned = handler(event, ctx, callback)
      } catch (error) {
        done(() => reject(error))
        return
      }
      if (isThenable(returned))
        Promise.resolve(returned).then(
          (value) => done(() => resolve(value)),
          (error) => done(() => reject(error)),
        )
      else if (handler.length < 3) done(() => resolve(returned))
    })
  // An App's routes and authorizer stay readable through the wrapper.
  const app = (handler as unknown as Record<symbol, unknown>)[APP_INTEGRATION]
  if (app !== undefined) Object.defineProperty(wrapped, APP_INTEGRATION, { value: app })
  return wrapped
}

/**
 * Holds the specs' env in process.env (over the user's values: env.ts), and Lambda's
 * TZ where neither they nor the user set one (the whole process's clock: the gateway's
 * log keeps the zone it started in); returns what undoes it.
 */
function applyEnv(specs: EntrySpec[], host: RuntimeHost): () => void {
  const set = new Map<string, { value: string; by: string }>()
  for (const spec of specs) {
    const by = spec.functionName ?? spec.file
    for (const [name, value] of Object.entries(spec.env ?? {})) {
      const earlier = set.get(name)
      if (earlier) {
        if (earlier.value !== value)
          host.log({
            kind: 'GATEWAY',
            detail: `${name} is ${JSON.stringify(earlier.value)} for ${earlier.by} and ${JSON.stringify(value)} for ${by}: Node handlers share process.env, so both see the first value`,
          })
        continue
      }
      set.set(name, { value, by })
    }
  }
  const own = holdVars(Object.fromEntries([...set].map(([name, { value }]) => [name, value])), 'override')
  const tz = holdVars({ TZ: LAMBDA_TZ }, 'default')
  return () => {
    tz()
    own()
  }
}

export function nodeRuntime(): Runtime {
  return {
    name: 'node',
    async load(specs: EntrySpec[], host: RuntimeHost, previous?: Iterable<string>): Promise<LoadedFunctions> {
      const restore = applyEnv(specs, host)
      try {
        const loaded = await loadEntries(specs, previous)
        return {
          handlers: loaded.handlers.map((handler, i) => withSpec(handler, specs[i]!)),
          files: loaded.files,
          async release() {
            restore()
            await loaded.release()
          },
        }
      } catch (error) {
        restore()
        throw error
      }
    },
  }
}
