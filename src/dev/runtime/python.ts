import { readdirSync } from 'node:fs'
import { delimiter, dirname, join, relative, sep } from 'node:path'
import type { LambdaHandler } from '../options.js'
import { FunctionTimeoutError, GatewayDeadlineError, PythonError } from './errors.js'
import { REPORT_OUTPUT } from './invoke.js'
import { type Answer, PythonWorker } from './python-worker.js'
import type { EntrySpec, LoadedFunctions, Runtime, RuntimeHost } from './types.js'

// Python handlers as Lambda's Python runtime runs them: warm worker processes per
// function (started with the gateway, so the first event does not pay the import),
// one invocation per worker at a time, more workers when events overlap (as Lambda
// scales out), up to MAX_WORKERS. A handler past its timeout has its worker killed; a
// worker that dies is replaced on the next event.

/** Concurrent invocations of one Python function (Lambda would scale further). */
export const MAX_WORKERS = 4

const MEMORY_MB = 1024

// The interpreter each command turned out to be: later workers start it directly.
const executables = new Map<string, string>()

/** The interpreter: `--python`, else the active virtualenv's, else python3 from PATH. */
export function pythonCommand(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit
  if (env.VIRTUAL_ENV)
    return join(env.VIRTUAL_ENV, process.platform === 'win32' ? 'Scripts\\python.exe' : 'bin/python')
  return process.platform === 'win32' ? 'python' : 'python3'
}

/** `_HANDLER` as Lambda spells it: the module path from the code directory, then the function. */
export function lambdaHandlerString(spec: EntrySpec): string {
  const root = spec.codeDir ?? dirname(spec.file)
  const rel = relative(root, spec.file)
  if (rel.startsWith('..') || !rel.endsWith('.py'))
    throw new TypeError(`${spec.file} is not a .py file under its code directory ${root}`)
  return `${rel.slice(0, -3).split(sep).join('.')}.${spec.exportName ?? 'handler'}`
}

const SKIP_DIRS = new Set(['node_modules', '__pycache__', 'site-packages', 'venv', 'env', 'dist', 'build'])
const MAX_FILES = 5000

/** The .py files under a code directory (what hot reload watches), skipping virtualenvs and caches. */
export function pythonSources(root: string): Set<string> {
  const out = new Set<string>()
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || out.size >= MAX_FILES) return
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    if (entries.some((e) => e.name === 'pyvenv.cfg')) return
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) walk(join(dir, e.name), depth + 1)
      } else if (e.name.endsWith('.py')) out.add(join(dir, e.name))
    }
  }
  walk(root, 0)
  return out
}

function displayName(spec: EntrySpec): string {
  return spec.functionName ?? relative(process.cwd(), spec.file)
}

class PythonFunction {
  readonly handler: LambdaHandler
  #workers = new Set<PythonWorker>()
  #idle: PythonWorker[] = []
  #waiting: Array<(worker: PythonWorker) => void> = []
  #closed = false

  constructor(
    private readonly spec: EntrySpec,
    private readonly host: RuntimeHost,
    private readonly command: string,
  ) {
    this.handler = (event: unknown, context: any) => this.#invoke(event, context)
  }

  /** Starts the first worker now, so the first event finds it warm (or waits for it). */
  warm(): void {
    const worker = this.#spawn()
    this.#idle.push(worker)
    worker.ready.then(
      (output) => {
        if (worker.executable) executables.set(this.command, worker.executable)
        if (output) this.#logOutput(output, 'while loading')
      },
      (error) => {
        this.#forget(worker)
        this.host.log({
          kind: 'GATEWAY',
          route: displayName(this.spec),
          detail: 'the Python handler failed to load (each event tries again)',
          error,
        })
      },
    )
  }

  #env(): Record<string, string> {
    const name = this.spec.functionName ?? 'socketeer-local'
    const region = this.host.env().AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1'
    const vars: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...this.host.env(),
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MEMORY_MB),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local/[$LATEST]socketeer',
      AWS_EXECUTION_ENV: 'AWS_Lambda_python_socketeer_dev',
      LAMBDA_TASK_ROOT: this.spec.codeDir ?? dirname(this.spec.file),
      _HANDLER: lambdaHandlerString(this.spec),
      PYTHONUNBUFFERED: '1',
      ...this.spec.env,
    }
    vars.AWS_REGION ??= region
    vars.AWS_DEFAULT_REGION ??= vars.AWS_REGION
    // The code directory first on the import path, as Lambda's task root is.
    vars.PYTHONPATH = [vars.LAMBDA_TASK_ROOT, process.env.PYTHONPATH].filter(Boolean).join(delimiter)
    return vars
  }

  #spawn(): PythonWorker {
    const worker = new PythonWorker({
      command: executables.get(this.command) ?? this.command,
      cwd: this.spec.codeDir ?? dirname(this.spec.file),
      env: this.#env(),
      redirect: this.host.redirect?.(),
      onStray: (text) => this.#logOutput(text, 'outside an invocation'),
      onExit: (w, how) => {
        this.#forget(w)
        this.host.log({
          kind: 'GATEWAY',
          route: displayName(this.spec),
          detail: `the Python worker exited (${how}); a new one starts on the next event`,
        })
      },
    })
    this.#workers.add(worker)
    return worker
  }

  #logOutput(output: string, when: string): void {
    this.host.log({ kind: 'GATEWAY', route: displayName(this.spec), detail: `output ${when}`, output })
  }

  #forget(worker: PythonWorker): void {
    this.#workers.delete(worker)
    const at = this.#idle.indexOf(worker)
    if (at >= 0) this.#idle.splice(at, 1)
  }

  async #acquire(): Promise<PythonWorker> {
    const idle = this.#idle.pop()
    if (idle) return idle
    if (this.#workers.size < MAX_WORKERS) return this.#spawn()
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #release(worker: PythonWorker): void {
    if (this.#closed || !worker.alive) {
      if (this.#closed) worker.stop()
      this.#forget(worker)
      // A waiter whose worker died is served by a fresh one.
      const next = this.#waiting.shift()
      if (next && !this.#closed) next(this.#spawn())
      return
    }
    const next = this.#waiting.shift()
    if (next) next(worker)
    else this.#idle.push(worker)
  }

  async #invoke(event: unknown, context: any): Promise<unknown> {
    const worker = await this.#acquire()
    const name = this.spec.functionName ?? context.functionName
    let timer: NodeJS.Timeout | undefined
    try {
      await worker.ready
      if (worker.executable) executables.set(this.command, worker.executable)
      // Lambda's own timeout when the spec has one (a failed invocation), counted from
      // the end of init as Lambda counts it; else the gateway's deadline, past which the
      // worker is stopped all the same.
      const remaining = context.getRemainingTimeInMillis()
      // The gateway gave up while the worker was starting: keep the worker, skip the event.
      if (remaining <= 0) throw new GatewayDeadlineError('past the deadline while starting')
      const own = this.spec.timeoutMs !== undefined && this.spec.timeoutMs < remaining
      const limit = own ? (this.spec.timeoutMs as number) : remaining
      const deadline = Date.now() + limit
      const answer = await new Promise<Answer>((resolve, reject) => {
        timer = setTimeout(() => {
          worker.stop()
          this.#forget(worker)
          this.host.log({
            kind: 'GATEWAY',
            route: displayName(this.spec),
            detail: `stopped the Python worker after ${limit}ms (timeout); a new one starts on the next event`,
          })
          reject(own ? new FunctionTimeoutError(limit) : new GatewayDeadlineError(`past ${limit}ms`))
        }, limit)
        worker
          .invoke({
            event,
            requestId: context.awsRequestId,
            functionName: name,
            arn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:123456789012:function:${name}`,
            memory: MEMORY_MB,
            logStream: context.logStreamName ?? 'local/[$LATEST]socketeer',
            deadline,
          })
          .then(resolve, reject)
      })
      if (answer.output) context[REPORT_OUTPUT]?.(answer.output)
      if (!answer.ok) throw new PythonError(answer.error ?? {})
      return answer.result
    } catch (error) {
      const output = (error as { output?: string }).output
      if (output) context[REPORT_OUTPUT]?.(output)
      throw error
    } finally {
      clearTimeout(timer)
      this.#release(worker)
    }
  }

  close(): void {
    this.#closed = true
    for (const worker of this.#idle) worker.stop()
    this.#idle.length = 0
    // Busy workers stop when their invocation ends (#release).
  }
}

export interface PythonRuntimeOptions {
  /** The interpreter (`--python`); default the virtualenv's, else python3. */
  python?: string
}

export function pythonRuntime(options: PythonRuntimeOptions = {}): Runtime {
  return {
    name: 'python',
    async load(specs: EntrySpec[], host: RuntimeHost): Promise<LoadedFunctions> {
      const command = pythonCommand(options.python)
      const functions = specs.map((spec) => {
        lambdaHandlerString(spec) // a spec that cannot be a Python handler fails the load now
        return new PythonFunction(spec, host, command)
      })
      for (const fn of functions) fn.warm()
      const files = new Set<string>()
      for (const spec of specs) {
        files.add(spec.file)
        for (const file of pythonSources(spec.codeDir ?? dirname(spec.file))) files.add(file)
      }
      return {
        handlers: functions.map((fn) => fn.handler),
        files,
        async release() {
          for (const fn of functions) fn.close()
        },
      }
    },
  }
}
