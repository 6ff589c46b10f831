import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname } from 'node:path'

// Watches a set of files for hot reload. Directories are watched rather than files:
// editors that save by replacing the file would otherwise end a per-file watch.

export interface FileWatch {
  /** Replaces the watched set (after a reload found new imports). */
  set(files: Iterable<string>): void
  close(): void
}

export function watchFiles(onChange: (file: string) => void, debounceMs = 60): FileWatch {
  const watchers = new Map<string, FSWatcher>()
  let names = new Map<string, Set<string>>()
  let timer: NodeJS.Timeout | undefined
  let changed = ''

  const fire = (file: string) => {
    changed = file
    clearTimeout(timer)
    timer = setTimeout(() => onChange(changed), debounceMs)
  }

  return {
    set(files) {
      const next = new Map<string, Set<string>>()
      for (const file of files) {
        const dir = dirname(file)
        const set = next.get(dir) ?? new Set<string>()
        set.add(basename(file))
        next.set(dir, set)
      }
      names = next
      for (const [dir, watcher] of watchers) {
        if (!next.has(dir)) {
          watcher.close()
          watchers.delete(dir)
        }
      }
      for (const dir of next.keys()) {
        if (watchers.has(dir)) continue
        try {
          const watcher = watch(dir, (_event, name) => {
            const file = name?.toString()
            if (file && names.get(dir)?.has(file)) fire(`${dir}/${file}`)
          })
          watcher.on('error', () => watchers.delete(dir))
          watcher.unref()
          watchers.set(dir, watcher)
        } catch {
          // A directory that vanished is simply not watched.
        }
      }
    },
    close() {
      clearTimeout(timer)
      for (const watcher of watchers.values()) watcher.close()
      watchers.clear()
    },
  }
}
