// socketeer/dynamodb: the connection registry on DynamoDB. A face of its own, so an App
// that never uses DynamoDB bundles (esbuild, Rollup, webpack) without the DynamoDB SDK
// installed: the core `socketeer` names no DynamoDB package at all. The SDK
// (`@aws-sdk/client-dynamodb`, `@aws-sdk/lib-dynamodb`, optional peers) is imported on
// the store's first call, so importing this face costs nothing until then.

export type { DynamoConnectionStoreOptions } from '../connections/dynamo.js'
export { DynamoConnectionStore } from '../connections/dynamo.js'
export type { DynamoClientLike } from '../connections/dynamo-client.js'
