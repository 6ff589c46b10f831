import { readdirSync, readFileSync } from 'node:fs'
import { delimiter, dirname, join, relative, sep } from 'node:path'
import type { LambdaHandler } from '../options.js'
import { FunctionTimeoutError, GatewayDeadlineError, PythonError } from './errors.js'
import { DEFAULT_MEMORY_MB, LAMBDA_TZ, REPORT_OUTPUT } from './invoke.js'
import { type Interpreter, pythonCommand, resolveInterpreter } from './python-interpreter.js'
import { type Answer, PythonWorker } from './python-worker.js'
import type { EntrySpec, LoadedFunctions, Runtime, RuntimeHost } from './types.js'

// Python handlers as Lambda's Python runtime runs them: warm worker processes per
// function (started with the gateway, so the first event does not pay the import),
// one invocation per worker at a time, more workers when events overlap (as Lambda
// scales out), up to MAX_WORKERS. A handler past its timeout has its worker killed; a
// worker that dies is replaced on the next event.

/** Concurrent invocations of one Python function (Lambda would scale further). */
export const MAX_WORKERS = 4

// The interpreter each command turned out to be in each folder (the worker reports its
// sys.executable): later workers start it directly, past any shim.
const executables = new Map<string, string>()

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

// What the handler module imports that is worth importing before its environment is
// known (the worker does it while the gateway starts): boto3 is most of a cold start.
const PRELOADABLE = /^\s*(?:import|from)\s+(boto3|botocore)\b/gm

function preloadFor(file: string): string[] {
  try {
    return [...new Set([...readFileSync(file, 'utf8').matchAll(PRELOADABLE)].map((m) => m[1]!))]
  } catch {
    return []
  }
}

class PythonFunction {
  readonly handler: LambdaHandler
  #workers = new Set<PythonWorker>()
  #idle: PythonWorker[] = []
  #waiting: Array<(worker: PythonWorker) => void> = []
  #closed = false
  #host: RuntimeHost | undefined
  #started: PythonWorker[] = []
  #logs: Parameters<RuntimeHost['log']>[0][] = []
  #region = 'us-east-1'
  readonly #cwd: string
  readonly #interpreter: Interpreter
  readonly #preload: string[]

  constructor(
    private readonly spec: EntrySpec,
    private readonly command: string,
  ) {
    this.handler = (event: unknown, context: any) => this.#invoke(event, context)
    this.#cwd = spec.codeDir ?? dirname(spec.file)
    this.#interpreter = resolveInterpreter(command, this.#cwd)
    this.#preload = preloadFor(spec.file)
  }

  get #key(): string {
    return `${this.command}\0${this.#cwd}`
  }

  /**
   * Starts the first worker now, so the first event finds it warm (or waits for it).
   * Before attach() it starts the interpreter and imports what the handler will need;
   * the handler itself loads once attach() gives it the gateway's environment.
   */
  warm(): void {
    const worker = this.#spawn()
    this.#idle.push(worker)
    worker.ready.then(
      (output) => {
        if (worker.executable) executables.set(this.#key, worker.executable)
        if (output) this.#logOutput(output, 'while loading')
      },
      (error) => {
        this.#forget(worker)
        this.#log({
          kind: 'GATEWAY',
          route: displayName(this.spec),
          detail: 'the Python handler failed to load (each event tries again)',
          error,
          output: error.output || undefined,
        })
      },
    )
  }

  get attached(): boolean {
    return this.#host !== undefined
  }

  /** The gateway is up: its environment goes to the workers started so far, and to every later one. */
  attach(host: RuntimeHost): void {
    this.#host = host
    for (const worker of this.#started.splice(0)) this.#init(worker)
    for (const event of this.#logs.splice(0)) host.log(event)
  }

  #log(event: Parameters<RuntimeHost['log']>[0]): void {
    if (this.#host) this.#host.log(event)
    else this.#logs.push(event)
  }

  // What the interpreter starts with: what it reads at start (PYTHONPATH, PATH) is final here.
  #baseEnv(): Record<string, string> {
    const vars: Record<string, string> = { ...(process.env as Record<string, string>), PYTHONUNBUFFERED: '1' }
    // The code directory first on the import path, as Lambda's task root is.
    vars.PYTHONPATH = [this.#cwd, process.env.PYTHONPATH].filter(Boolean).join(delimiter)
    if (this.#interpreter.path) vars.PATH = this.#interpreter.path
    return vars
  }

  #env(host: RuntimeHost): Record<string, string> {
    const name = this.spec.functionName ?? 'socketeer-local'
    const region = host.env().AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1'
    const base = this.#baseEnv()
    // Lambda's clock is UTC; a TZ the user set (the shell, the config, the function) stays.
    if (!base.TZ) base.TZ = LAMBDA_TZ
    const vars: Record<string, string> = {
      ...base,
      ...host.env(),
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.spec.memoryMb ?? DEFAULT_MEMORY_MB),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local/[$LATEST]socketeer',
      AWS_EXECUTION_ENV: 'AWS_Lambda_python_socketeer_dev',
      LAMBDA_TASK_ROOT: this.#cwd,
      _HANDLER: lambdaHandlerString(this.spec),
      ...this.spec.env,
    }
    vars.AWS_REGION ??= region
    vars.AWS_DEFAULT_REGION ??= vars.AWS_REGION
    this.#region = vars.AWS_REGION
    vars.PYTHONPATH = base.PYTHONPATH!
    vars.PYTHONUNBUFFERED = '1'
    return vars
  }

  #init(worker: PythonWorker): void {
    const host = this.#host!
    worker.init(this.#env(host), host.redirect?.())
  }

  #spawn(): PythonWorker {
    const worker = new PythonWorker({
      command: executables.get(this.#key) ?? this.#interpreter.command,
      cwd: this.#cwd,
      env: this.#baseEnv(),
      preload: this.#preload,
      onStray: (text) => this.#logOutput(text, 'outside an invocation'),
      onExit: (w, how) => {
        this.#forget(w)
        this.#log({
          kind: 'GATEWAY',
          route: displayName(this.spec),
          detail: `the Python worker exited (${how}); a new one starts on the next event`,
        })
      },
    })
    this.#workers.add(worker)
    if (this.#host) this.#init(worker)
    else this.#started.push(worker)
    return worker
  }

  #logOutput(output: string, when: string): void {
    this.#log({ kind: 'GATEWAY', route: displayName(this.spec), detail: `output ${when}`, output })
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
      if (worker.executable) executables.set(this.#key, worker.executable)
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
          this.#log({
            kind: 'GATEWAY',
            route: displayName(this.spec),
            detail: `stopped the Python worker after ${limit}ms (timeout); a new one starts on the next event`,
          })
          reject(own ? new FunctionTimeoutError(limit) : new GatewayDeadlineError(`past ${limit}ms`))
        }, limit)
        worker
          .invoke(
            {
              event,
              requestId: context.awsRequestId,
              functionName: name,
              arn: `arn:aws:lambda:${this.#region}:123456789012:function:${name}`,
              logStream: context.logStreamName ?? 'local/[$LATEST]socketeer',
              deadline,
            },
            // As it is printed: a death or a timeout keeps what came before it.
            (text) => context[REPORT_OUTPUT]?.(text),
          )
          .then(resolve, reject)
      })
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

// Functions started before the gateway listened, by spec, for load() to adopt.
function specKey(spec: EntrySpec, command: string): string {
  return JSON.stringify([
    command,
    spec.file,
    spec.exportName,
    spec.codeDir,
    spec.env,
    spec.timeoutMs,
    spec.functionName,
    spec.memoryMb,
  ])
}

export function pythonRuntime(options: PythonRuntimeOptions = {}): Runtime {
  const prepared = new Map<string, PythonFunction[]>()
  return {
    name: 'python',
    prepare(specs: EntrySpec[]): () => void {
      const command = pythonCommand(options.python)
      const mine: PythonFunction[] = []
      for (const spec of specs) {
        try {
          lambdaHandlerString(spec)
        } catch {
          continue // load() reports it
        }
        const fn = new PythonFunction(spec, command)
        fn.warm()
        mine.push(fn)
        const key = specKey(spec, command)
        prepared.set(key, [...(prepared.get(key) ?? []), fn])
      }
      return () => {
        for (const [key, list] of prepared) {
          const left = list.filter((fn) => !mine.includes(fn))
          if (left.length > 0) prepared.set(key, left)
          else prepared.delete(key)
        }
        for (const fn of mine) if (!fn.attached) fn.close()
      }
    },
    async load(specs: EntrySpec[], host: RuntimeHost): Promise<LoadedFunctions> {
      const command = pythonCommand(options.python)
      for (const spec of specs) lambdaHandlerString(spec) // a spec that cannot be a Python handler fails the load now
      const functions = specs.map((spec) => {
        const key = specKey(spec, command)
        const ready = prepared.get(key)?.shift()
        if (prepared.get(key)?.length === 0) prepared.delete(key)
        const fn = ready ?? new PythonFunction(spec, command)
        if (!ready) fn.warm()
        fn.attach(host)
        return fn
      })
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
