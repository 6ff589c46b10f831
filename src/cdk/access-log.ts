import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway'
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'

// Access logs for the stage. WebSocket stages (unlike HTTP APIs) log through the
// account-wide API Gateway CloudWatch role; without one, the stage update fails with
// "CloudWatch Logs role ARN must be set in account settings". That role is one per
// account and region, so the construct only creates it when asked.

export interface AccessLogOptions {
  /** Where to write; default a new log group kept for `retention`. */
  readonly logGroup?: logs.ILogGroup
  /** Retention of the log group the construct creates (default one month). */
  readonly retention?: logs.RetentionDays
  /** Default: one JSON line per event with the WebSocket fields that explain a failure. */
  readonly format?: AccessLogFormat
  /**
   * Sets the account's API Gateway CloudWatch role (AWS::ApiGateway::Account). Only one
   * stack per account and region should do this; leave it off if the role is already set.
   */
  readonly cloudWatchRole?: boolean
}

// Fields chosen to answer "why did this socket fail": which event and route, what
// status the client got, and the integration's or authorizer's own error.
const DEFAULT_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  messageId: '$context.messageId',
  status: '$context.status',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integration.error',
  authorizerError: '$context.authorizer.error',
  error: '$context.error.message',
}

export function defaultAccessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(JSON.stringify(DEFAULT_FIELDS))
}

export interface ResolvedAccessLog {
  readonly settings: apigwv2.IAccessLogSettings
  readonly logGroup: logs.ILogGroup
  readonly account?: CfnAccount
}

export function accessLogFor(scope: Construct, options: AccessLogOptions): ResolvedAccessLog {
  const logGroup =
    options.logGroup ??
    new logs.LogGroup(scope, 'AccessLogs', { retention: options.retention ?? logs.RetentionDays.ONE_MONTH })
  let account: CfnAccount | undefined
  if (options.cloudWatchRole) {
    const role = new iam.Role(scope, 'ApiGatewayCloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    })
    account = new CfnAccount(scope, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn })
  }
  return {
    logGroup,
    account,
    settings: {
      destination: new apigwv2.LogGroupLogDestination(logGroup),
      format: options.format ?? defaultAccessLogFormat(),
    },
  }
}
