import type { DynamoOptions } from './dynamodb/server.js'
import type { TableSpec } from './dynamodb/tables.js'
import type { GatewayOptions } from './options.js'
import type { HttpRouteSpec, ProjectSource } from './project/source.js'
import type { EntrySpec } from './runtime/types.js'

// The dev server's one configuration type: what the CLI flags, a config file and the
// project readers (serverless.yml, SAM) all produce. Its own file, so the readers can
// return it without importing the server that runs it.

export interface DevOptions extends Omit<GatewayOptions, 'handler' | 'routes' | 'authorizer' | 'httpRoutes'> {
  /** The main handler's module: `src/app.ts` or `src/app.ts#exportName`. */
  entry?: string
  /** Per-route entries; an empty value means the main handler serves that route key. */
  routes?: Record<string, string | EntrySpec | undefined>
  /** The `$connect` authorizer's entry. */
  authorizer?: string | EntrySpec
  /** HTTP routes with their own functions. */
  httpRoutes?: HttpRouteSpec[]
  /** DynamoDB tables to create before any handler runs. */
  tables?: TableSpec[]
  /** Environment for the handlers (set in process.env while the dev server runs). */
  env?: Record<string, string>
  /** The embedded DynamoDB (started when there are tables or a project file); `false` for none. */
  dynamodb?: DynamoOptions | false
  /** A serverless.yml or SAM/CloudFormation template to read; the other options win over it. */
  project?: ProjectSource
  /** Template parameters (`--parameter-overrides`), when `project` is a template. */
  parameterOverrides?: Record<string, string>
  /** Entries are resolved from here (default process.cwd()). */
  cwd?: string
  /** Hot reload (default true). */
  watch?: boolean
}
