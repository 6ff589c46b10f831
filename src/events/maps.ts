// Maps read from an event keep only own string values: AWS never sends anything else,
// and a hand-made or hostile event must give a clean answer, never a TypeError or a
// polluted prototype (an own `__proto__` key is kept as data, not assigned).

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function put<T>(out: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

export function strings(map: unknown, lowerKeys = false): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isRecord(map)) return out
  for (const k of Object.keys(map)) {
    const v = map[k]
    if (typeof v === 'string') put(out, lowerKeys ? k.toLowerCase() : k, v)
  }
  return out
}

export function stringLists(map: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (!isRecord(map)) return out
  for (const k of Object.keys(map)) {
    const v = map[k]
    const values = Array.isArray(v)
      ? v.filter((x): x is string => typeof x === 'string')
      : typeof v === 'string'
        ? [v]
        : []
    if (values.length > 0) put(out, k, values)
  }
  return out
}
