/**
 * The connections table, as plain data. The CDK construct and a user's own IaC build the
 * table from this object, so the key names the stores write can never drift from the table
 * that holds them. No SDK import here: importing the definition must stay free.
 *
 * One table, no GSI:
 * - `pk = conn#{id}`,    `sk = meta`          the connection record
 * - `pk = group#{name}`, `sk = conn#{id}`     a membership (members(group) = Query on pk)
 * - `pk = conn#{id}`,    `sk = group#{name}`  its reverse (delete finds every group with one Query)
 * - `pk = session#{id}`, `sk = held#{seq}`   a push held for a client session with no live
 *   connection (connections/held.ts), read in order with one Query
 * Every item carries `expiresAt` (epoch seconds) so DynamoDB TTL sweeps what a lost
 * `$disconnect` left behind.
 */
export const connectionsTable = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
} as const

export type ConnectionsTableDefinition = typeof connectionsTable

/** Env variable a handler reads the table name from when the store options give none. */
export const CONNECTIONS_TABLE_ENV = 'SOCKETEER_CONNECTIONS_TABLE'

/** The shape of DynamoDB CreateTable's input that this helper fills (kept SDK-free). */
export interface ConnectionsCreateTableInput {
  TableName: string
  AttributeDefinitions: { AttributeName: string; AttributeType: 'S' }[]
  KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[]
  BillingMode: 'PAY_PER_REQUEST'
}

/**
 * CreateTable input for the connections table, for tests and IaC that call the SDK directly.
 * TTL is a separate call (UpdateTimeToLive) in DynamoDB: see {@link connectionsTimeToLiveInput}.
 */
export function connectionsCreateTableInput(tableName: string): ConnectionsCreateTableInput {
  const { partitionKey, sortKey } = connectionsTable
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
      { AttributeName: sortKey.name, AttributeType: sortKey.type },
    ],
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    BillingMode: connectionsTable.billingMode,
  }
}

/** UpdateTimeToLive input that turns on TTL for the table's `expiresAt` attribute. */
export function connectionsTimeToLiveInput(tableName: string): {
  TableName: string
  TimeToLiveSpecification: { AttributeName: string; Enabled: true }
} {
  return {
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: connectionsTable.timeToLiveAttribute, Enabled: true },
  }
}
