import { fileURLToPath } from 'node:url'
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'
import * as logs from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'
import { WebSocketApi } from 'socketeer/cdk'

/**
 * The chat's Lambda entry: the example's App module, which exports `handler`. It keeps who
 * is connected in the connections table the construct creates, found through the
 * SOCKETEER_CONNECTIONS_TABLE variable the construct sets (see examples/chat/README.md).
 */
export const CHAT_ENTRY = fileURLToPath(new URL('../../app.ts', import.meta.url))

export interface ChatStackProps extends StackProps {
  /** Stage name (default `prod`). */
  readonly stageName?: string
  /** The Lambda entry exporting `handler` (default the chat's). */
  readonly entry?: string
}

/**
 * The chat example on AWS: one function serves every route (the App routes by key),
 * `whoami` answers through a route response, and the construct wires the registry,
 * @connections permission and environment.
 */
export class ChatStack extends Stack {
  readonly chat: WebSocketApi
  readonly handler: NodejsFunction

  constructor(scope: Construct, id: string, props: ChatStackProps = {}) {
    super(scope, id, props)

    this.handler = new NodejsFunction(this, 'Handler', {
      entry: props.entry ?? CHAT_ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // API Gateway gives up on an integration after 29 s; running longer only costs.
      timeout: Duration.seconds(29),
      logGroup: new logs.LogGroup(this, 'HandlerLogs', {
        retention: logs.RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        // Local esbuild (a devDependency): no Docker needed to synth or deploy.
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        // The Node.js runtime ships AWS SDK v3; bundling it would only add cold-start weight.
        externalModules: ['@aws-sdk/*'],
        sourceMap: true,
        minify: true,
        // ESM output still meets CommonJS dependencies that call require().
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    })

    this.chat = new WebSocketApi(this, 'Chat', {
      handler: this.handler,
      routes: ['say', 'sendmessage', 'whoami'],
      routeResponses: ['whoami'],
      // socketeer/client's keepalive frames hit a MOCK integration, not the function.
      keepaliveRoute: true,
      stageName: props.stageName,
      // The registry only holds live sockets: nothing to keep when the stack goes.
      connectionsTable: { removalPolicy: RemovalPolicy.DESTROY },
    })
  }
}
