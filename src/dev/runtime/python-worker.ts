import { type ChildProcess, spawn } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { PythonError, PythonNotFoundError, WorkerExitedError } from './errors.js'
import { MIN_PYTHON, PYTHON_BOOTSTRAP, PYTHON_GUARD, TOO_OLD_EXIT } from './python-bootstrap.js'

// One Python process running one function, one invocation at a time (a Lambda
// execution environment). Invocations go in on fd 3 and answers come back on fd 4, a
// JSON object per line; the handler's own stdout/stderr come back inside each answer.

export interface Invocation {
  event: unknown
  requestId: string
  functionName: string
  arn: string
  memory: number
  logStream: string
  /** Epoch ms. */
  deadline: number
}

export interface Answer {
  ok: boolean
  result?: unknown
  error?: { errorType?: string; errorMessage?: string; stackTrace?: string[] }
  output: string
}

export interface WorkerOptions {
  command: string
  cwd: string
  /** The interpreter's environment at start; the handler's arrives with init(). */
  env: Record<string, string>
  /** Modules to import while waiting for init() (what the handler imports, e.g. boto3). */
  preload?: string[]
  /** Bytes the process wrote to fd 1/2 itself, outside the captured streams. */
  onStray(text: string): void
  /** The process ended (after start, whatever the reason). */
  onExit(worker: PythonWorker, how: string): void
}

type Waiter = { resolve(answer: Answer): void; reject(error: Error): void }

let nextId = 0

export class PythonWorker {
  /** Resolves with what the handler's module printed while loading. */
  readonly ready: Promise<string>
  /** The interpreter's real path, once loaded (a pyenv or asdf shim costs a shell per start). */
  executable: string | undefined
  #child: ChildProcess
  #input: Writable
  #pending = new Map<number, Waiter>()
  #exited = false
  #stopped = false

  constructor(options: WorkerOptions) {
    const args = ['-c', PYTHON_GUARD, PYTHON_BOOTSTRAP, (options.preload ?? []).join(' ')]
    const child = spawn(options.command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    })
    this.#child = child
    this.#input = child.stdio[3] as Writable
    this.#input.on('error', () => {}) // a dead worker is reported by 'exit'
    const output = child.stdio[4] as Readable
    let stderr = ''
    let ready: { resolve(output: string): void; reject(error: Error): void }
    this.ready = new Promise<string>((resolve, reject) => {
      ready = { resolve, reject }
    })
    this.ready.catch(() => {}) // the pool reads it; an unread failure is not unhandled
    let started = false
    const stray = (data: Buffer) => {
      const text = data.toString('utf8')
      if (!started) stderr += text
      options.onStray(text)
    }
    child.stdout?.on('data', stray)
    child.stderr?.on('data', stray)

    let buffered = ''
    output.setEncoding('utf8')
    output.on('data', (chunk: string) => {
      buffered += chunk
      let nl = buffered.indexOf('\n')
      while (nl >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        nl = buffered.indexOf('\n')
        let msg: Record<string, any>
        try {
          msg = JSON.parse(line)
        } catch {
          continue
        }
        if ('ready' in msg) {
          started = true
          if (msg.ready) {
            if (typeof msg.executable === 'string' && msg.executable) this.executable = msg.executable
            ready.resolve(msg.output ?? '')
          } else {
            // The bootstrap ends after a failed load: an expected exit, not a death to report.
            this.#stopped = true
            ready.reject(Object.assign(new PythonError(msg.error ?? {}), { output: msg.output ?? '' }))
          }
          continue
        }
        const waiter = this.#pending.get(msg.id)
        if (!waiter) continue
        this.#pending.delete(msg.id)
        waiter.resolve({
          ok: msg.ok === true,
          result: msg.result,
          error: msg.error,
          output: msg.output ?? '',
        })
      }
    })
    output.on('error', () => {})

    child.on('error', (error: NodeJS.ErrnoException) => {
      this.#exited = true
      ready.reject(
        error.code === 'ENOENT'
          ? new PythonNotFoundError(
              `${options.command} not found: Python ${MIN_PYTHON} or later is needed for .py handlers (apt-get install python3, brew install python, or pass --python <path>)`,
            )
          : error,
      )
      this.#failPending(new WorkerExitedError(error.message))
    })
    child.on('exit', (code, signal) => {
      this.#exited = true
      const how = signal ? `signal ${signal}` : `exit status ${code}`
      if (code === TOO_OLD_EXIT && !started) {
        ready.reject(
          new PythonNotFoundError(
            `${options.command} is Python ${stderr.trim() || 'older than 3.8'}: .py handlers need Python ${MIN_PYTHON} or later (install a newer python3, or pass --python <path>)`,
          ),
        )
      } else if (!started) {
        ready.reject(
          new WorkerExitedError(`${how} before the handler loaded${stderr ? `: ${stderr.trim()}` : ''}`),
        )
      }
      this.#failPending(new WorkerExitedError(how))
      if (!this.#stopped) options.onExit(this, how)
    })
  }

  get alive(): boolean {
    return !this.#exited && !this.#stopped
  }

  /**
   * The handler's environment and where AWS's name for the gateway's API leads (port 443
   * only): the worker then imports the handler. Until this, it has started the
   * interpreter and imported `preload`, nothing of the user's.
   */
  init(env: Record<string, string>, redirect?: { name: string; host: string; port: number }): void {
    const to = redirect ? [redirect.name, redirect.host, redirect.port] : null
    this.#input.write(`${JSON.stringify({ env, redirect: to })}\n`)
  }

  invoke(invocation: Invocation): Promise<Answer> {
    if (this.#exited) return Promise.reject(new WorkerExitedError('the worker is not running'))
    const id = ++nextId
    return new Promise<Answer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#input.write(`${JSON.stringify({ id, ...invocation })}\n`)
    })
  }

  /** Ends the process (a timeout, a reload, close); no exit report follows. */
  stop(): void {
    this.#stopped = true
    if (!this.#exited) this.#child.kill('SIGKILL')
  }

  #failPending(error: Error): void {
    for (const waiter of this.#pending.values()) waiter.reject(error)
    this.#pending.clear()
  }
}
