import { relative } from 'node:path'
import type { DevOptions } from '../dev-options.js'
import type { DevServer } from '../dev-server.js'
import type { EntrySpec } from '../runtime/types.js'
import { describeWhere, formatNote } from './errors.js'
import type { ProjectResult } from './types.js'

// What the banner says a project file held, and `--print-config`'s JSON.

/** A banner line (the shape ../banner.ts lists; declared here so the two do not import each other). */
interface BannerLine {
  label: string
  value: string
}

/** The banner's lines for what the project file held and the DynamoDB it started. */
export function projectBanner(dev: Pick<DevServer, 'project' | 'dynamodb'>): BannerLine[] {
  const lines: BannerLine[] = []
  const p = dev.project
  if (p) {
    lines.push({
      label: 'project',
      value: `${describeWhere({ file: p.file })} (${p.kind}), stage ${p.stage}`,
    })
    for (const r of p.routes)
      lines.push({ label: '  route', value: `${r.key.padEnd(14)} → ${r.functionName}` })
    for (const h of p.http)
      lines.push({
        label: '  http',
        value: `${`${h.method} ${h.path}`.padEnd(30)} → ${h.functionName} (${h.events === 'v2' ? 'HTTP API' : 'REST'})`,
      })
  }
  const d = dev.dynamodb
  if (d) {
    lines.push({
      label: 'dynamodb',
      value: `${d.endpoint}${d.embedded ? ' (embedded; AWS_ENDPOINT_URL_DYNAMODB points here)' : ''}`,
    })
    for (const t of d.tables)
      lines.push({
        label: '  table',
        value: `${t.name} (${t.status}${t.ttlAttribute ? `; TTL on ${t.ttlAttribute} recorded, items do not expire locally` : ''})`,
      })
  }
  for (const note of p?.notes ?? []) lines.push({ label: 'note', value: formatNote(note) })
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
