import { relative } from 'node:path'
import type { DevOptions } from '../dev-options.js'
import type { DevServer } from '../dev-server.js'
import type { EntrySpec } from '../runtime/types.js'
import { describeWhere, formatNote } from './errors.js'
import type { ProjectResult } from './types.js'

// What the banner says a project file held, and `--print-config`'s JSON.

export function projectBanner(dev: Pick<DevServer, 'project' | 'dynamodb'>): string[] {
  const lines: string[] = []
  const p = dev.project
  if (p) {
    lines.push(`  project     ${describeWhere({ file: p.file })} (${p.kind}), stage ${p.stage}`)
    for (const r of p.routes) lines.push(`    route     ${r.key.padEnd(14)} → ${r.functionName}`)
    for (const h of p.http)
      lines.push(
        `    http      ${`${h.method} ${h.path}`.padEnd(30)} → ${h.functionName} (${h.events === 'v2' ? 'HTTP API' : 'REST'})`,
      )
  }
  const d = dev.dynamodb
  if (d) {
    lines.push(
      `  dynamodb    ${d.endpoint}${d.embedded ? ' (embedded; AWS_ENDPOINT_URL_DYNAMODB points here)' : ''}`,
    )
    for (const t of d.tables)
      lines.push(
        `    table     ${t.name} (${t.status}${t.ttlAttribute ? `; TTL on ${t.ttlAttribute} recorded, items do not expire locally` : ''})`,
      )
  }
  for (const note of p?.notes ?? []) lines.push(`  note        ${formatNote(note)}`)
  return lines
}

function entry(spec: EntrySpec | string | undefined): unknown {
  if (!spec || typeof spec === 'string') return spec
  return {
    ...spec,
    file: relative(process.cwd(), spec.file) || spec.file,
    codeDir: spec.codeDir && (relative(process.cwd(), spec.codeDir) || '.'),
  }
}

/** The resolved options as JSON: entries with relative paths, tables as CreateTable inputs. */
export function printableConfig(options: DevOptions, project?: ProjectResult): Record<string, unknown> {
  const out: Record<string, unknown> = { ...options }
  if (options.routes)
    out.routes = Object.fromEntries(Object.entries(options.routes).map(([k, v]) => [k, entry(v)]))
  if (options.authorizer) out.authorizer = entry(options.authorizer)
  if (options.httpRoutes) out.httpRoutes = options.httpRoutes.map((r) => ({ ...r, entry: entry(r.entry) }))
  if (options.tables)
    out.tables = options.tables.map((t) => ({
      ...t.input,
      ttlAttribute: t.ttlAttribute,
      where: describeWhere(t.where),
    }))
  if (options.project)
    out.project = { ...options.project, file: describeWhere({ file: options.project.file }) }
  if (project) out.notes = project.summary.notes.map(formatNote)
  return out
}
