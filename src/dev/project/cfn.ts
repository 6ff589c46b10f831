import { simpleTableSpec, type TableSpec, tableSpec } from '../dynamodb/tables.js'
import { DEFAULT_API_ID } from '../options.js'
import type { ProjectNote } from './errors.js'
import { Evaluator } from './intrinsics.js'
import type { Lines } from './yaml.js'

// The resources of a CloudFormation template (a SAM template, or serverless.yml's
// `resources`) and their local values: what `Ref` and `Fn::GetAtt` give for each.

export interface Resource {
  Type?: string
  Properties?: Record<string, unknown>
  Condition?: string
}

export interface TemplateScope {
  file: string
  lines: Lines
  resources: Record<string, Resource>
  parameters: Record<string, unknown>
  mappings?: Record<string, unknown>
  conditions?: Record<string, unknown>
  region: string
  stackName: string
  notes: ProjectNote[]
  /** The API id in events and in `Ref` to an API (default `local`). */
  apiId?: string
}

export const ACCOUNT_ID = '123456789012'

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value)
}

/** An evaluator whose Ref/GetAtt know the template's resources. */
export function templateEvaluator(t: TemplateScope): Evaluator {
  const region = t.region
  const apiId = t.apiId ?? DEFAULT_API_ID
  const nameCache = new Map<string, string>()
  let evaluator: Evaluator
  // CloudFormation generates `stack-LogicalId-RANDOM` when a name is not given; locally the
  // random part is left out so the name is the same on every start.
  const physicalName = (id: string, resource: Resource, prop: string): string => {
    const cached = nameCache.get(id)
    if (cached) return cached
    nameCache.set(id, `${t.stackName}-${id}`) // a self-reference reads the generated name
    const given = resource.Properties?.[prop]
    const name =
      given === undefined ? `${t.stackName}-${id}` : (evaluator.string(given, prop) ?? `${t.stackName}-${id}`)
    nameCache.set(id, name)
    return name
  }
  const ref = (id: string): string | undefined => {
    if (id === 'ServerlessRestApi' || id === 'ServerlessHttpApi' || id === 'ServerlessWebsocketsApi')
      return apiId
    const resource = t.resources[id]
    if (!isRecord(resource)) return undefined
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::Serverless::SimpleTable':
        return physicalName(id, resource, 'TableName')
      case 'AWS::Serverless::Function':
      case 'AWS::Lambda::Function':
        return physicalName(id, resource, 'FunctionName')
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${physicalName(id, resource, 'QueueName')}`
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${ACCOUNT_ID}:${physicalName(id, resource, 'TopicName')}`
      case 'AWS::S3::Bucket':
        return physicalName(id, resource, 'BucketName').toLowerCase()
      case 'AWS::ApiGatewayV2::Api':
      case 'AWS::ApiGateway::RestApi':
      case 'AWS::Serverless::Api':
      case 'AWS::Serverless::HttpApi':
        return apiId
      default:
        return id
    }
  }
  const getAtt = (id: string, attribute: string): string | undefined => {
    if (id === 'ServerlessRestApi' || id === 'ServerlessHttpApi')
      return attribute === 'RootResourceId' ? 'root' : apiId
    const resource = t.resources[id]
    if (!isRecord(resource)) return undefined
    const name = ref(id)!
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::Serverless::SimpleTable':
        if (attribute === 'StreamArn')
          return `arn:aws:dynamodb:${region}:${ACCOUNT_ID}:table/${name}/stream/local`
        return `arn:aws:dynamodb:${region}:${ACCOUNT_ID}:table/${name}`
      case 'AWS::Serverless::Function':
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${name}`
      case 'AWS::SQS::Queue':
        if (attribute === 'QueueUrl') return name
        if (attribute === 'QueueName') return name.split('/').at(-1)
        return `arn:aws:sqs:${region}:${ACCOUNT_ID}:${name.split('/').at(-1)}`
      case 'AWS::ApiGatewayV2::Api':
        if (attribute === 'ApiEndpoint') return `wss://${apiId}.execute-api.${region}.amazonaws.com`
        return apiId
      default:
        return attribute === 'Arn' ? `arn:aws:local:${region}:${ACCOUNT_ID}:${id}` : `${id}.${attribute}`
    }
  }
  evaluator = new Evaluator({
    file: t.file,
    lines: t.lines,
    params: {
      'AWS::Region': region,
      'AWS::AccountId': ACCOUNT_ID,
      'AWS::StackName': t.stackName,
      'AWS::StackId': `arn:aws:cloudformation:${region}:${ACCOUNT_ID}:stack/${t.stackName}/local`,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::NotificationARNs': [],
      ...t.parameters,
    },
    ref,
    getAtt,
    mappings: t.mappings ?? {},
    conditions: t.conditions ?? {},
    notes: t.notes,
  })
  return evaluator
}

/** Whether a resource's `Condition` holds (resources without one always exist). */
export function exists(resource: Resource, evaluator: Evaluator): boolean {
  return typeof resource.Condition !== 'string' || evaluator.condition(resource.Condition, resource)
}

/** The template's DynamoDB tables as CreateTable inputs. */
export function tablesOf(t: TemplateScope, evaluator: Evaluator): TableSpec[] {
  const out: TableSpec[] = []
  for (const [id, resource] of Object.entries(t.resources)) {
    if (!isRecord(resource) || !exists(resource, evaluator)) continue
    const where = { file: t.file, line: t.lines.of(t.resources, id) }
    if (resource.Type === 'AWS::DynamoDB::Table') {
      const name = evaluator.string({ Ref: id }, 'TableName')!
      out.push(tableSpec(id, name, evaluator.value(resource.Properties ?? {}), where))
    } else if (resource.Type === 'AWS::Serverless::SimpleTable') {
      const name = evaluator.string({ Ref: id }, 'TableName')!
      out.push(simpleTableSpec(id, name, evaluator.value(resource.Properties ?? {}), where))
    }
  }
  return out
}

/** Environment values as strings (Lambda's environment holds only strings). */
export function environment(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isRecord(value)) return out
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue
    out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
  return out
}
