import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The house rule "no import circles", checked on src/ (type-only imports count too: a
// circle of types is still two folders that cannot be understood apart).

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : []
  })
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')))
  }
  return out
}

function cycles(): string[][] {
  const graph = new Map(files(SRC).map((f) => [f, imports(f)]))
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (f: string) => {
    state.set(f, 'open')
    stack.push(f)
    for (const to of graph.get(f) ?? []) {
      if (!graph.has(to)) continue
      if (state.get(to) === 'open') found.push(stack.slice(stack.indexOf(to)).concat(to))
      else if (!state.has(to)) visit(to)
    }
    stack.pop()
    state.set(f, 'done')
  }
  for (const f of graph.keys()) if (!state.has(f)) visit(f)
  return found.map((c) => c.map((f) => relative(SRC, f)))
}

describe('src/ has no import circles', () => {
  it('finds none (websocket/context ↔ connections/lifecycle was the last one)', () => {
    expect(cycles()).toEqual([])
  })
})
