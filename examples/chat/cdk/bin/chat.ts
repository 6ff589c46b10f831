import { App } from 'aws-cdk-lib'
import { ChatStack } from '../lib/chat-stack.js'

// `cdk deploy` from examples/chat/cdk (after `npm run build` at the repository root).
// The account and region come from the CLI's credentials, so the template stays
// environment-agnostic.
const app = new App()
new ChatStack(app, app.node.tryGetContext('stackName') ?? 'SocketeerChat', {
  stageName: app.node.tryGetContext('stage'),
  entry: app.node.tryGetContext('entry'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
})
