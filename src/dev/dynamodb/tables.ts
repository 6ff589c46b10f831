import { ProjectFileError, type Where } from '../project/errors.js'

// An `AWS::DynamoDB::Table` resource's properties (intrinsics already evaluated) as the
// CreateTable call DynamoDB takes. The shape is checked here so a mistake names the
// template's line; what only DynamoDB knows (a key attribute missing from the
// definitions, a bad index) comes back from the server itself, with the same line.

/** CreateTable's input, as plain JSON (no SDK types in the dev options). */
export interface CreateTableInput {
  TableName: string
  AttributeDefinitions: { AttributeName: string; AttributeType: string }[]
  KeySchema: { AttributeName: string; KeyType: string }[]
  BillingMode?: string
  ProvisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number }
  GlobalSecondaryIndexes?: Record<string, unknown>[]
  LocalSecondaryIndexes?: Record<string, unknown>[]
  StreamSpecification?: { StreamEnabled: boolean; StreamViewType?: string }
}

export interface TableSpec {
  /** The resource's logical id in the template. */
  logicalId: string
  where: Where
  input: CreateTableInput
  /** TimeToLiveSpecification's attribute, when enabled. */
  ttlAttribute?: string
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value)
}

function throughput(value: unknown): CreateTableInput['ProvisionedThroughput'] {
  if (!isRecord(value)) return undefined
  return {
    ReadCapacityUnits: Number(value.ReadCapacityUnits),
    WriteCapacityUnits: Number(value.WriteCapacityUnits),
  }
}

function index(value: unknown, provisioned: boolean): Record<string, unknown> {
  if (!isRecord(value)) return {}
  const out: Record<string, unknown> = {
    IndexName: value.IndexName,
    KeySchema: value.KeySchema,
    Projection: value.Projection,
  }
  if (value.ProvisionedThroughput) out.ProvisionedThroughput = throughput(value.ProvisionedThroughput)
  else if (provisioned) out.ProvisionedThroughput = { ReadCapacityUnits: 1, WriteCapacityUnits: 1 }
  return out
}

/** The CreateTable input for a table resource. `name` is its local name (TableName or a generated one). */
export function tableSpec(logicalId: string, name: string, props: unknown, where: Where): TableSpec {
  if (!isRecord(props)) throw new ProjectFileError(where, `table ${logicalId} has no Properties`)
  const fail = (message: string): never => {
    throw new ProjectFileError(where, `table ${logicalId}: ${message}`)
  }
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(name))
    fail(`TableName ${JSON.stringify(name)} must be 3 to 255 letters, digits, _ - or .`)
  const keys = props.KeySchema
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 2)
    fail('KeySchema must list one or two keys')
  for (const k of keys as unknown[]) {
    if (
      !isRecord(k) ||
      typeof k.AttributeName !== 'string' ||
      (k.KeyType !== 'HASH' && k.KeyType !== 'RANGE')
    )
      fail('each KeySchema entry needs an AttributeName and a KeyType of HASH or RANGE')
  }
  const defs = props.AttributeDefinitions
  if (!Array.isArray(defs) || defs.length === 0) fail('AttributeDefinitions must list the key attributes')
  for (const d of defs as unknown[]) {
    if (
      !isRecord(d) ||
      typeof d.AttributeName !== 'string' ||
      !['S', 'N', 'B'].includes(String(d.AttributeType))
    )
      fail('each AttributeDefinitions entry needs an AttributeName and an AttributeType of S, N or B')
  }
  const billing = typeof props.BillingMode === 'string' ? props.BillingMode : 'PROVISIONED'
  const provisioned = billing === 'PROVISIONED'
  if (provisioned && !isRecord(props.ProvisionedThroughput))
    fail('BillingMode PROVISIONED (the default) needs ProvisionedThroughput')
  const input: CreateTableInput = {
    TableName: name,
    AttributeDefinitions: defs as CreateTableInput['AttributeDefinitions'],
    KeySchema: keys as CreateTableInput['KeySchema'],
    BillingMode: billing,
  }
  if (provisioned) input.ProvisionedThroughput = throughput(props.ProvisionedThroughput)
  if (Array.isArray(props.GlobalSecondaryIndexes))
    input.GlobalSecondaryIndexes = props.GlobalSecondaryIndexes.map((i) => index(i, provisioned))
  if (Array.isArray(props.LocalSecondaryIndexes))
    input.LocalSecondaryIndexes = props.LocalSecondaryIndexes.map((i) => index(i, false))
  if (isRecord(props.StreamSpecification) && typeof props.StreamSpecification.StreamViewType === 'string')
    input.StreamSpecification = {
      StreamEnabled: true,
      StreamViewType: props.StreamSpecification.StreamViewType,
    }
  const spec: TableSpec = { logicalId, where, input }
  const ttl = props.TimeToLiveSpecification
  if (isRecord(ttl) && ttl.Enabled !== false && ttl.Enabled !== 'false') {
    if (typeof ttl.AttributeName !== 'string' || !ttl.AttributeName)
      fail('TimeToLiveSpecification needs an AttributeName')
    spec.ttlAttribute = String(ttl.AttributeName)
  }
  return spec
}

/** `AWS::Serverless::SimpleTable`: a string (or number) hash key, on demand. */
export function simpleTableSpec(logicalId: string, name: string, props: unknown, where: Where): TableSpec {
  const p = isRecord(props) ? props : {}
  const key = isRecord(p.PrimaryKey) ? p.PrimaryKey : { Name: 'id', Type: 'String' }
  const type = key.Type === 'Number' ? 'N' : key.Type === 'Binary' ? 'B' : 'S'
  return tableSpec(
    logicalId,
    name,
    {
      AttributeDefinitions: [{ AttributeName: key.Name, AttributeType: type }],
      KeySchema: [{ AttributeName: key.Name, KeyType: 'HASH' }],
      BillingMode: p.ProvisionedThroughput ? 'PROVISIONED' : 'PAY_PER_REQUEST',
      ProvisionedThroughput: p.ProvisionedThroughput,
    },
    where,
  )
}
