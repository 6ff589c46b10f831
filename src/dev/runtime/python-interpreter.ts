import { accessSync, constants, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path'

// Which interpreter a worker runs. `python3` from PATH is often a pyenv shim: a bash
// script that runs `pyenv exec`, which costs more than the interpreter's own start
// (0.7 s of a 1 s start on a loaded machine). The version a shim would pick is read here
// the way pyenv reads it, and the interpreter started directly; anything this does not
// settle exactly (`system`, a version prefix, a version not installed, pyenv hooks'
// business) goes through the shim as before.

/** The interpreter: `--python`, else the active virtualenv's, else python3 from PATH. */
export function pythonCommand(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit
  if (env.VIRTUAL_ENV)
    return join(env.VIRTUAL_ENV, process.platform === 'win32' ? 'Scripts\\python.exe' : 'bin/python')
  return process.platform === 'win32' ? 'python' : 'python3'
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const file = join(dir, command)
    if (executable(file)) return file
  }
  return undefined
}

function readVersionFile(file: string): string[] | undefined {
  try {
    const names = readFileSync(file, 'utf8')
      .split(/\s+/)
      .filter((w) => w && !w.startsWith('#'))
    return names.length > 0 ? names : undefined
  } catch {
    return undefined
  }
}

// pyenv-version-name: PYENV_VERSION, else the nearest .python-version from the
// directory up, else $PYENV_ROOT/version.
function pyenvVersions(root: string, dir: string, env: NodeJS.ProcessEnv): string[] | undefined {
  if (env.PYENV_VERSION) return env.PYENV_VERSION.split(':').filter(Boolean)
  for (let at = resolve(env.PYENV_DIR ?? dir); ; at = dirname(at)) {
    const found = readVersionFile(join(at, '.python-version'))
    if (found) return found
    if (dirname(at) === at) break
  }
  return readVersionFile(join(root, 'version'))
}

export interface Interpreter {
  /** What to spawn. */
  command: string
  /** PATH for the worker: `pyenv exec` puts the version's bin first, and so does this. */
  path?: string
}

/**
 * The interpreter `command` stands for when started in `cwd`: a pyenv shim becomes the
 * installed version's own executable (first of the selected versions that has it).
 */
export function resolveInterpreter(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Interpreter {
  if (process.platform === 'win32' || isAbsolute(command) || command.includes('/')) return { command }
  const found = onPath(command, env)
  const root = env.PYENV_ROOT ?? join(homedir(), '.pyenv')
  if (!found || dirname(found) !== join(root, 'shims')) return { command }
  const versions = pyenvVersions(root, cwd, env)
  for (const version of versions ?? []) {
    if (version === 'system' || version.includes('/') || version.startsWith('.')) return { command }
    const bin = join(root, 'versions', version, 'bin')
    // Not installed under that exact name (a prefix pyenv completes, or an error it reports).
    if (!executable(bin)) return { command }
    if (executable(join(bin, command)))
      return { command: join(bin, command), path: [bin, env.PATH].filter(Boolean).join(delimiter) }
  }
  return { command }
}
