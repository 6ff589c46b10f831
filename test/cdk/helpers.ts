import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Stack } from 'aws-cdk-lib'
import type { Template } from 'aws-cdk-lib/assertions'
import * as lambda from 'aws-cdk-lib/aws-lambda'

// Synth is the slow part: each test file builds its stacks once and shares the templates.
export const SYNTH_TIMEOUT = 180_000

export const ENV = { account: '123456789012', region: 'eu-west-1' }

export function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'),
  })
}

/**
 * Renders an intrinsic as a readable string: Fn::Join is joined, Ref becomes ${Name},
 * Fn::GetAtt becomes ${Name.Attr}. Assertions then compare whole ARNs and URLs.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object') {
    const o = value as Record<string, any>
    if ('Ref' in o) return '${' + o.Ref + '}'
    if ('Fn::GetAtt' in o) return '${' + o['Fn::GetAtt'].join('.') + '}'
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]]
      return parts.map(flatten).join(sep)
    }
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`)
}

export function logicalId(template: Template, type: string, match: (props: any) => boolean): string {
  const found = Object.entries(template.findResources(type)).filter(([, r]) => match(r.Properties ?? {}))
  if (found.length !== 1) throw new Error(`expected one ${type} to match, found ${found.length}`)
  return found[0]![0]
}

export interface Statement {
  Action: string | string[]
  Effect: string
  Resource: unknown
}

/** Statements of the identity policies attached to a role (by the role's logical id). */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleId),
  )
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
}

export function actions(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action]
}

export function resources(s: Statement): string[] {
  return (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(flatten)
}

export function roleOf(template: Template, functionId: string): string {
  const fn = template.toJSON().Resources[functionId]
  return fn.Properties.Role['Fn::GetAtt'][0]
}

export function environmentOf(template: Template, functionId: string): Record<string, string> {
  const vars = template.toJSON().Resources[functionId].Properties.Environment?.Variables ?? {}
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, flatten(v)]))
}

export function outputsByPrefix(template: Template, prefix: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [id, o] of Object.entries(template.toJSON().Outputs ?? {})) {
    if (id.startsWith(prefix)) out[id] = flatten((o as any).Value)
  }
  return out
}

// ---- cfn-lint -------------------------------------------------------------------

export interface LintResult {
  available: boolean
  /** Why it was not run (when unavailable). */
  reason?: string
  exitCode?: number
  output?: string
}

// W3005 (a DependsOn that a GetAtt already implies) comes from aws-lambda's own
// Function construct, which always adds both; nothing this project can change.
const IGNORED = ['W3005']

export function cfnLintAvailable(): string | undefined {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0)
    return 'cfn-lint is not installed (no Debian package; PyPI unreachable)'
  return undefined
}

/** Lints templates in one cfn-lint run; errors and warnings both count as failure. */
export function cfnLint(templates: Record<string, unknown>): LintResult {
  const reason = cfnLintAvailable()
  if (reason) return { available: false, reason }
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-cfn-lint-'))
  const files = Object.entries(templates).map(([name, t]) => {
    const file = join(dir, `${name}.template.json`)
    writeFileSync(file, JSON.stringify(t, null, 1))
    return file
  })
  const run = spawnSync('cfn-lint', ['--ignore-checks', ...IGNORED, '--', ...files], { encoding: 'utf8' })
  return { available: true, exitCode: run.status ?? -1, output: `${run.stdout}${run.stderr}` }
}
