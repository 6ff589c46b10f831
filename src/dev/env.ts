// The environment handlers in this process see: a project file's environment, and what
// the dev server adds (the DynamoDB endpoint, IS_OFFLINE). In-process handlers share
// process.env, so these are set there while the dev server runs and put back after.

export interface EnvHold {
  /** Replaces the held values (a reload of the project file); returns the names that changed. */
  set(vars: Record<string, string>): string[]
  release(): void
}

export function holdEnv(vars: Record<string, string>): EnvHold {
  const saved = new Map<string, string | undefined>()
  let current: Record<string, string> = {}
  const set = (next: Record<string, string>): string[] => {
    const changed: string[] = []
    for (const name of Object.keys(current)) {
      if (Object.hasOwn(next, name)) continue
      const before = saved.get(name)
      if (before === undefined) delete process.env[name]
      else process.env[name] = before
      saved.delete(name)
      changed.push(name)
    }
    for (const [name, value] of Object.entries(next)) {
      if (!saved.has(name)) saved.set(name, process.env[name])
      if (process.env[name] !== value) changed.push(name)
      process.env[name] = value
    }
    current = { ...next }
    return changed
  }
  set(vars)
  return {
    set,
    release() {
      set({})
    },
  }
}
