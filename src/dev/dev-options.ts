import type { DynamoOptions } from './dynamodb/server.js'
import type { TableSpec } from './dynamodb/tables.js'
import type { GatewayOptions } from './options.js'
import type { HttpRouteSpec, ProjectSource } from './project/source.js'
import type { EntrySpec } from './runtime/types.js'

// The dev server's one configuration type: what the CLI flags, a config file and the
// project readers (serverless.yml, SAM) all produce. Its own file, so the readers can
// return it without importing the server that runs it.

/** An entry: a path (`src/app.ts`, `src/app.ts#name`, `handlers/onconnect.py`), Lambda's `module.fn`, or a spec. */
export type Entry = string | EntrySpec

export interface DevOptions extends Omit<GatewayOptions, 'handler' | 'routes' | 'authorizer' | 'httpRoutes'> {
  /** The main handler's entry: `src/app.ts`, `src/app.ts#exportName`, `onconnect.py`, `app.handler`. */
  entry?: Entry
  /** Per-route entries; an empty value means the main handler serves that route key. */
  routes?: Record<string, Entry | undefined>
  /** The `$connect` authorizer's entry. */
  authorizer?: Entry
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
  /** Lambda's task root for string entries: Python's import root, where `module.fn` is looked up. */
  codeDir?: string
  /** The Python interpreter (default the active virtualenv's, else python3). */
  python?: string
  /** Hot reload (default true). */
  watch?: boolean
  /** The inspector at `/_socketeer/`: on by default here (`false` turns it off). */
  inspector?: GatewayOptions['inspector']
}
