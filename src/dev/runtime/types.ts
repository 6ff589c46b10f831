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
}
