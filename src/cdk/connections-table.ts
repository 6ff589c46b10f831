import type { RemovalPolicy } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import type { Construct } from 'constructs'
import { connectionsTable } from '../connections/table.js'

// The registry's table, built from the definition the DynamoDB store writes against,
// so keys, TTL attribute and billing can never drift from what the store expects.

export interface ConnectionsTableOptions {
  /** Bring a table built elsewhere (from the same exported definition); none is created then. */
  readonly table?: dynamodb.ITable
  /** Continuous backups. Off by default: the registry is rebuilt by clients reconnecting. */
  readonly pointInTimeRecovery?: boolean
  /** CDK's default for tables is RETAIN; DESTROY suits a registry of live sockets. */
  readonly removalPolicy?: RemovalPolicy
}

const ATTRIBUTE_TYPES: Record<'S' | 'N' | 'B', dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
}

const BILLING_MODES: Record<'PAY_PER_REQUEST' | 'PROVISIONED', dynamodb.BillingMode> = {
  PAY_PER_REQUEST: dynamodb.BillingMode.PAY_PER_REQUEST,
  PROVISIONED: dynamodb.BillingMode.PROVISIONED,
}

/** Creates the connections table in `scope` (or returns the one given). */
export function connectionsTableFor(
  scope: Construct,
  id: string,
  options: ConnectionsTableOptions = {},
): dynamodb.ITable {
  if (options.table) return options.table
  const { partitionKey, sortKey, timeToLiveAttribute, billingMode } = connectionsTable
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: partitionKey.name, type: ATTRIBUTE_TYPES[partitionKey.type] },
    sortKey: { name: sortKey.name, type: ATTRIBUTE_TYPES[sortKey.type] },
    timeToLiveAttribute,
    billingMode: BILLING_MODES[billingMode],
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: options.pointInTimeRecovery ?? false },
    ...(options.removalPolicy ? { removalPolicy: options.removalPolicy } : {}),
  })
}
