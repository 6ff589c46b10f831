import type { GatewayState } from '../gateway/state.js'
import type { ConnectionRow } from './recorder.js'

// Groups and attributes of live connections, from the App's connection registry when
// the main handler is an App with one (read through the integration the App describes,
// so the gateway knows no App). Best-effort: a slow or failing registry leaves them out.

const REGISTRY_WAIT_MS = 500
const MAX_LOOKUPS = 200

export interface RegistryFacts {
  groups?: string[]
  attributes?: Record<string, unknown>
  registryError?: string
}

async function lookup(
  registry: NonNullable<ReturnType<GatewayState['table']['registry']>>,
  id: string,
): Promise<RegistryFacts> {
  const record = await registry.get(id)
  if (!record) return { groups: [] }
  const groups: string[] = []
  for await (const group of registry.groups(id)) groups.push(group)
  return { groups, attributes: record.attributes ?? {} }
}

export async function withRegistry(
  state: GatewayState,
  rows: ConnectionRow[],
): Promise<Array<ConnectionRow & RegistryFacts>> {
  const registry = state.table.registry()
  if (!registry) return rows
  const live = rows.filter((row) => row.close === undefined).slice(-MAX_LOOKUPS)
  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), REGISTRY_WAIT_MS).unref(),
  )
  const facts = new Map<string, RegistryFacts>()
  await Promise.all(
    live.map(async (row) => {
      const got = await Promise.race([lookup(registry, row.id), timeout]).catch((error: unknown) => ({
        registryError: error instanceof Error ? error.message : String(error),
      }))
      facts.set(row.id, got === 'timeout' ? { registryError: 'the registry did not answer in time' } : got)
    }),
  )
  return rows.map((row) => ({ ...row, ...facts.get(row.id) }))
}
