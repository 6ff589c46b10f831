import { type ChildProcess, spawn } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { PythonError, PythonNotFoundError, WorkerExitedError } from './errors.js'
import { MIN_PYTHON, PYTHON_BOOTSTRAP, PYTHON_GUARD, TOO_OLD_EXIT } from './python-bootstrap.js'

// One Python process running one function, one invocation at a time (a Lambda
// execution environment). Invocations go in on fd 3 and answers come back on fd 4, a
// JSON object per line; the handler's own stdout/stderr come back on fd 4 as written,
// each piece to the invocation running then.

export interface Invocation {
  event: unknown
  requestId: string
  functionName: string
  arn: string
  logStream: string
  /** Epoch ms. */
  deadline: number
}

export interface Answer {
  ok: boolean
  result?: unknown
  error?: { errorType?: string; errorMessage?: string; stackTrace?: string[] }
}

export interface WorkerOptions {
  command: string
  cwd: string
  /** The interpreter's environment at start; the handler's arrives with init(). */
  env: Record<string, string>
  /** Modules to import while waiting for init() (what the handler imports, e.g. boto3). */
  preload?: string[]
  /** What the handler printed outside an invocation, and bytes written to fd 1/2 directly. */
  onStray(text: string): void
  /** The process ended after its handler loaded (whatever the reason); not after stop(). */
  onExit(worker: PythonWorker, how: string): void
}

type Waiter = { resolve(answer: Answer): void; reject(error: Error): void; output(text: string): void }

/** A load failure's error, with what the handler's module printed before it. */
type WithOutput = Error & { output?: string }

// After the process exits, how long its pipes may stay open (a subprocess it started
// holds its stdout) before its death is reported without them.
const CLOSE_GRACE_MS = 1000

let nextId = 0

function oneLine<T extends Error>(error: T): T {
  error.stack = `${error.name}: ${error.message}`
  return error
}

function tooOld(command: string, found: string): PythonNotFoundError {
  const [version, ...path] = found.trim().split(' ')
  const what = version && /^\d+\.\d+/.test(version) ? `Python ${version}` : `older than Python ${MIN_PYTHON}`
  const where = path.length > 0 ? ` (${path.join(' ')})` : ''
  return oneLine(
    new PythonNotFoundError(
      `${command} is ${what}${where}: .py handlers need Python ${MIN_PYTHON} or later; choose another with --python <path> or by activating a virtualenv`,
    ),
  )
}

function cannotRun(command: string, code: string | undefined): Error | undefined {
  const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'is not executable' : undefined
  if (!why) return undefined
  return oneLine(
    new PythonNotFoundError(
      `${command} ${why}: .py handlers need Python ${MIN_PYTHON} or later; install it (apt-get install python3, brew install python) or choose one with --python <path> or by activating a virtualenv`,
    ),
  )
}

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
    let ready: { resolve(output: string): void; reject(error: WithOutput): void }
    this.ready = new Promise<string>((resolve, reject) => {
      ready = { resolve, reject }
    })
    this.ready.catch(() => {}) // the pool reads it; an unread failure is not unhandled
    // Until the handler has loaded, what the process writes belongs to the load: its
    // success, or the one error that says why it failed (never lines of their own).
    let started = false
    let loadOutput = ''
    let stray = ''
    const onStray = (data: Buffer) => {
      const text = data.toString('utf8')
      if (started) options.onStray(text)
      else stray += text
    }
    child.stdout?.on('data', onStray)
    child.stderr?.on('data', onStray)
    const loaded = () => {
      started = true
      if (stray) options.onStray(stray)
      stray = ''
    }

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
        if (typeof msg.o === 'string') {
          // One invocation at a time: the output is the running one's.
          const running = this.#pending.values().next().value
          if (running) running.output(msg.o)
          else if (!started) loadOutput += msg.o
          else options.onStray(msg.o)
          continue
        }
        if ('ready' in msg) {
          if (msg.ready) {
            if (typeof msg.executable === 'string' && msg.executable) this.executable = msg.executable
            loaded()
            ready.resolve(loadOutput)
          } else {
            // The bootstrap ends after a failed load: an expected exit, not a death to report.
            this.#stopped = true
            started = true
            ready.reject(Object.assign(new PythonError(msg.error ?? {}), { output: loadOutput + stray }))
          }
          continue
        }
        const waiter = this.#pending.get(msg.id)
        if (!waiter) continue
        this.#pending.delete(msg.id)
        waiter.resolve({ ok: msg.ok === true, result: msg.result, error: msg.error })
      }
    })
    output.on('error', () => {})

    let spawnFailed = false
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.#exited = true
      spawnFailed = true
      ready.reject(cannotRun(options.command, error.code) ?? error)
      this.#failPending(new WorkerExitedError(error.message))
    })

    // The death is reported once everything the process wrote has been read: what a
    // handler printed before sys.exit, os._exit or a kill is its invocation's output.
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let protocolClosed = false
    let allClosed = false
    let finished = false
    const finish = () => {
      if (finished || spawnFailed || !exit) return
      if (!allClosed && !(started && protocolClosed)) return
      finished = true
      const { code, signal } = exit
      const how = signal ? `signal ${signal}` : `exit status ${code}`
      if (!started) {
        ready.reject(
          code === TOO_OLD_EXIT
            ? tooOld(options.command, stray)
            : Object.assign(
                new WorkerExitedError(`${how} before the handler loaded${stray ? `: ${stray.trim()}` : ''}`),
                { output: loadOutput },
              ),
        )
        this.#failPending(new WorkerExitedError(how))
        return
      }
      this.#failPending(new WorkerExitedError(how))
      if (!this.#stopped) options.onExit(this, how)
    }
    output.on('close', () => {
      protocolClosed = true
      finish()
    })
    child.on('close', () => {
      allClosed = true
      finish()
    })
    child.on('exit', (code, signal) => {
      this.#exited = true
      exit = { code, signal }
      finish()
      if (!finished)
        setTimeout(() => {
          allClosed = true
          finish()
        }, CLOSE_GRACE_MS).unref()
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

  /** Runs one invocation; `output` gets what the handler prints, as it prints it. */
  invoke(invocation: Invocation, output: (text: string) => void = () => {}): Promise<Answer> {
    if (this.#exited) return Promise.reject(new WorkerExitedError('the worker is not running'))
    const id = ++nextId
    return new Promise<Answer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, output })
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
