import { createRequire } from 'node:module'
import { join } from 'node:path'

// The AWS SDK for JavaScript v2 reads no AWS_ENDPOINT_URL_DYNAMODB (v3 and boto3 do).
// When the project has `aws-sdk`, its global DynamoDB config gets the local endpoint,
// so `new AWS.DynamoDB.DocumentClient()` finds the embedded server with no code
// change; a client given its own `endpoint` keeps it.

type AwsV2 = { config: Record<string, unknown> }

/** Points the project's SDK v2 at the endpoint; returns the undo, or undefined when there is no v2. */
export function pointSdkV2At(endpoint: string, projectDir: string): (() => void) | undefined {
  let aws: AwsV2
  try {
    const require = createRequire(join(projectDir, 'package.json'))
    aws = require('aws-sdk') as AwsV2
  } catch {
    return undefined
  }
  const before = aws.config.dynamodb
  aws.config.dynamodb = { ...(before as object | undefined), endpoint }
  return () => {
    aws.config.dynamodb = before
  }
}
