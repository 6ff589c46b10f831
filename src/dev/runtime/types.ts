import type { DevLogger } from '../log.js'
import type { LambdaHandler } from '../options.js'

// What a route's function is, as every source of configuration describes it (CLI flags,
// the config file, serverless.yml, SAM templates): the one shape the runtimes take.

/** One Lambda function's code, however it was declared. */
export interface EntrySpec {
  /** Absolute path of the handler's source file (`.ts`, `.js`, `.mjs`, `.cjs`, `.py`). */
  file: string
  /** The exported function (JS) or module-level function (Python); default `handler`. */
  exportName?: string
  /** Which runtime runs it; default from the file's extension. */
  runtime?: 'node' | 'python'
  /** Lambda's task root (a project file's `CodeUri` / service folder): Python's import root. */
  codeDir?: string
  /** The function's own environment, merged over the gateway's (a project file's `environment`). */
  env?: Record<string, string>
  /** Lambda's per-function timeout, ms; default the gateway's integration timeout. */
  timeoutMs?: number
  /** The function's name in the Lambda context, the ARN and the log. */
  functionName?: string
  /** The function's declared memory size, MB (the context's and AWS_LAMBDA_FUNCTION_MEMORY_SIZE); default 1024. Nothing enforces it. */
  memoryMb?: number
}

/** What a runtime needs from the gateway that runs its functions. */
export interface RuntimeHost {
  /**
   * The environment the gateway gives every function (the @connections endpoint, region,
   * credentials when none are configured, the CA to trust): read when a worker starts,
   * since the gateway knows its port only once it listens.
   */
  env(): Record<string, string>
  /** One dev log event (a worker's death, output written outside an invocation). */
  log: DevLogger
  /**
   * AWS's https name for the gateway's API (`{apiId}.execute-api.{region}.amazonaws.com`)
   * and the address and port it leads to, for worker processes to resolve that one name
   * (on port 443) to the gateway; undefined when the gateway does not speak https.
   */
  redirect?(): { name: string; host: string; port: number } | undefined
}

/** One generation of loaded functions: what a reload replaces as a whole. */
export interface LoadedFunctions {
  /** One handler per spec, in the order given; the gateway invokes them as any Lambda handler. */
  handlers: LambdaHandler[]
  /** The files whose change loads this generation again (hot reload). */
  files: Set<string>
  /** Stops what the load started (a loader namespace, worker processes). */
  release(): Promise<void>
}

/**
 * A language runtime: turns entries into Lambda handlers the gateway invokes. Every
 * field of an EntrySpec is honoured (file, exportName, codeDir, env, timeoutMs,
 * functionName, memoryMb). A handler's failure is a rejection or a throw, never a crash of the
 * gateway; its `timeoutMs` is a failed invocation worded as Lambda words it.
 */
export interface Runtime {
  readonly name: 'node' | 'python'
  /**
   * Starts, before the gateway listens, what needs nothing from it (a Python interpreter
   * and the modules its handler imports), for load() to adopt; returns what stops
   * whatever load() did not adopt.
   */
  prepare?(specs: EntrySpec[]): () => void
  /** Loads the entries together (entries of one Node file share module state). */
  load(specs: EntrySpec[], host: RuntimeHost, previous?: Iterable<string>): Promise<LoadedFunctions>
}
