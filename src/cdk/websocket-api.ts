import { Annotations, CfnOutput } from 'aws-cdk-lib'
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2'
import {
  WebSocketLambdaIntegration,
  WebSocketMockIntegration,
} from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import type * as iam from 'aws-cdk-lib/aws-iam'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import type * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { KEEPALIVE_ACTION, RESUME_ACTION } from '../protocol/frames.js'
import { type AccessLogOptions, accessLogFor } from './access-log.js'
import { type ConnectAuthorizerOptions, connectAuthorizerFor } from './authorizer.js'
import { type ConnectionsTableOptions, connectionsTableFor } from './connections-table.js'
import { type CustomDomainOptions, customDomainFor } from './domain.js'
import { CONNECTIONS_TABLE_ENV, MANAGEMENT_ENDPOINT_ENV } from './env.js'
import { WebSocketApiConfigError } from './errors.js'
import { distinctFunctions, planRoutes, type RoutePlanInput } from './plan.js'

export interface WebSocketApiProps extends RoutePlanInput {
  readonly apiName?: string
  readonly description?: string
  /** Default `prod`. The stage auto-deploys: every route change is live after `cdk deploy`. */
  readonly stageName?: string
  /** Default `$request.body.action`, the key the App's custom routes are named by. */
  readonly routeSelectionExpression?: string
  /** A Lambda REQUEST authorizer on `$connect`. */
  readonly authorizer?: ConnectAuthorizerOptions
  /** The connections registry; `false` creates none (and sets no table variable). */
  readonly connectionsTable?: ConnectionsTableOptions | false
  /** Stage access logs to CloudWatch; `true` for the defaults. */
  readonly accessLogs?: boolean | AccessLogOptions
  /** Serve the stage at wss://{domain}/{basePath}; handlers then post to https://{domain}/{basePath}. */
  readonly customDomain?: CustomDomainOptions
  readonly throttle?: apigwv2.ThrottleSettings
  /**
   * A route for socketeer/client's keepalive frames on a MOCK integration: they reset
   * the 10-minute idle timer without invoking a Lambda. `true` names it
   * `socketeer.keepalive` (the client's default `keepaliveAction`). Default: none.
   */
  readonly keepaliveRoute?: boolean | string
  /** Stack outputs for the wss:// URL, the management endpoint and the table name (default true). */
  readonly outputs?: boolean
}

/**
 * A WebSocket API on API Gateway V2 wired for socketeer handlers: routes and Lambda
 * integrations, the connections table, `execute-api:ManageConnections` on this stage,
 * and the environment the App reads, so handler code needs no configuration.
 */
export class WebSocketApi extends Construct {
  readonly api: apigwv2.WebSocketApi
  readonly stage: apigwv2.WebSocketStage
  /** The route per route key. */
  readonly routes: Readonly<Record<string, apigwv2.WebSocketRoute>>
  /** The route handlers, each once. */
  readonly functions: readonly lambda.IFunction[]
  readonly table?: dynamodb.ITable
  readonly domainName?: apigwv2.IDomainName
  readonly accessLogGroup?: logs.ILogGroup
  /** What clients connect to: wss://{domain}/{basePath} with a custom domain, else the stage URL. */
  readonly url: string
  /** The @connections endpoint the handlers are given (https://, matching `url`). */
  readonly managementEndpoint: string
  /** The stage's execute-api @connections endpoint, which works with or without a custom domain. */
  readonly callbackUrl: string
  /** The variables set on every route handler (and on functions passed to `addBackend`). */
  readonly environment: Readonly<Record<string, string>>

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id)
    const plan = planRoutes(props)
    const stageName = props.stageName ?? 'prod'

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: props.apiName,
      description: props.description,
      routeSelectionExpression: props.routeSelectionExpression ?? '$request.body.action',
    })

    const accessLog = props.accessLogs
      ? accessLogFor(this, props.accessLogs === true ? {} : props.accessLogs)
      : undefined
    const domain = props.customDomain ? customDomainFor(this, stageName, props.customDomain) : undefined
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName,
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: accessLog?.settings,
      domainMapping: domain ? { domainName: domain.domain, mappingKey: domain.mappingKey } : undefined,
    })
    if (accessLog?.account) this.stage.node.addDependency(accessLog.account)
    this.accessLogGroup = accessLog?.logGroup
    this.domainName = domain?.domain

    this.callbackUrl = this.stage.callbackUrl
    this.url = domain?.url ?? this.stage.url
    this.managementEndpoint = domain?.managementEndpoint ?? this.stage.callbackUrl

    const authorizer = props.authorizer
      ? connectAuthorizerFor(props.authorizer, props.handler, plan)
      : undefined

    // One integration per function: routes sharing a handler share its integration,
    // while each route still gets its own invoke permission scoped to its key.
    const integrations = new Map<lambda.IFunction, WebSocketLambdaIntegration>()
    const routes: Record<string, apigwv2.WebSocketRoute> = {}
    for (const route of plan) {
      let integration = integrations.get(route.fn)
      if (!integration) {
        integration = new WebSocketLambdaIntegration(`Integration${integrations.size}`, route.fn)
        integrations.set(route.fn, integration)
      }
      routes[route.key] = this.api.addRoute(route.key, {
        integration,
        returnResponse: route.returnResponse,
        authorizer: route.key === '$connect' ? authorizer : undefined,
      })
    }
    if (props.keepaliveRoute) {
      const key = props.keepaliveRoute === true ? KEEPALIVE_ACTION : props.keepaliveRoute
      if (routes[key]) throw new WebSocketApiConfigError(`keepaliveRoute ${key} is also a handler's route`)
      routes[key] = this.api.addRoute(key, {
        // One-way: API Gateway answers nothing, and no function runs.
        integration: new WebSocketMockIntegration('Keepalive', {
          requestTemplates: { $default: '{"statusCode": 200}' },
          templateSelectionExpression: '\\$default',
        }),
      })
    }
    const selectsAction =
      (props.routeSelectionExpression ?? '$request.body.action') === '$request.body.action'
    if (selectsAction && !plan.some((r) => r.key === '$default' || r.key === RESUME_ACTION)) {
      // Not an error: an API whose clients keep no session never sends the frame. (Under
      // another selection expression the App's frames are not routed by action at all.)
      Annotations.of(this).addWarningV2(
        'socketeer:no-resume-route',
        `no route takes socketeer/client's session resume request ({"action":"${RESUME_ACTION}"}): ` +
          'clients with a session would never get the messages held for it. Add `resumeHandler: fn` ' +
          `(the App's function), or a \`$default\` or \`${RESUME_ACTION}\` key in \`handlers\`; ` +
          'without sessions (`session: false` or `resume: false` on the client), ignore this',
      )
    }
    this.routes = routes
    this.functions = distinctFunctions(plan)

    if (props.connectionsTable !== false) {
      this.table = connectionsTableFor(this, 'Connections', props.connectionsTable ?? {})
    }
    this.environment = {
      [MANAGEMENT_ENDPOINT_ENV]: this.managementEndpoint,
      ...(this.table ? { [CONNECTIONS_TABLE_ENV]: this.table.tableName } : {}),
    }
    for (const fn of this.functions) this.addBackend(fn)

    if (props.outputs !== false) {
      new CfnOutput(this, 'Url', { value: this.url, description: 'WebSocket URL clients connect to' })
      new CfnOutput(this, 'ManagementEndpoint', {
        value: this.managementEndpoint,
        description: '@connections endpoint (https) for pushing to clients',
      })
      if (this.table) {
        new CfnOutput(this, 'ConnectionsTableName', {
          value: this.table.tableName,
          description: 'DynamoDB table of live connections',
        })
      }
    }
  }

  /**
   * `execute-api:ManageConnections` (post, get, delete) on this API's stage only:
   * arn:…:execute-api:{region}:{account}:{apiId}/{stage}/{method}/@connections/*.
   */
  grantManageConnections(grantee: iam.IGrantable): iam.Grant {
    // Not WebSocketApi.grantManageConnections: that one covers every stage (…/*/*/@connections/*).
    return this.stage.grantManagementApiAccess(grantee)
  }

  /** Read/write on the connections table, if the construct has one. */
  grantConnections(grantee: iam.IGrantable): iam.Grant | undefined {
    return this.table?.grantReadWriteData(grantee)
  }

  /**
   * Wires a function that is not a route handler (a REST backend that pushes, a queue
   * consumer) the way the handlers are: environment, table access, @connections.
   */
  addBackend(fn: lambda.IFunction): void {
    const settable = fn as Partial<Pick<lambda.Function, 'addEnvironment'>>
    const canSetEnv = typeof settable.addEnvironment === 'function'
    const names = Object.keys(this.environment).join(' and ')
    if (!fn.role) {
      // Imported without a role: nothing here can be changed. Say so rather than deploy a handler that 403s.
      Annotations.of(this).addWarningV2(
        'socketeer:unwired',
        `${fn.node.path} is imported without a role: grant it grantManageConnections/grantConnections and set ${names} yourself`,
      )
      return
    }
    this.grantManageConnections(fn)
    this.grantConnections(fn)
    if (canSetEnv) {
      for (const [name, value] of Object.entries(this.environment)) settable.addEnvironment!(name, value)
    } else {
      Annotations.of(this).addWarningV2(
        'socketeer:environment',
        `${fn.node.path} is not a lambda.Function: set ${names} on it yourself (see WebSocketApi.environment)`,
      )
    }
  }
}
