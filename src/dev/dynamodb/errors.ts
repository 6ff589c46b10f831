// Errors of the embedded DynamoDB and its tables.

export class DynamoStartError extends Error {
  override readonly name = 'DynamoStartError'
}
