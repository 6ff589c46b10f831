import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { ProjectFileError } from '../project/errors.js'
import { type Call, type DynamoCall, dynamoCall } from './client.js'
import { DynamoStartError } from './errors.js'
import type { TableSpec } from './tables.js'
import { TimeToLive } from './ttl.js'

// The embedded DynamoDB: dynalite on loopback (in memory, or in a folder), or a server
// the user already runs (`--dynamodb <url>`). The project's tables are created through
// the AWS SDK before any handler runs; a table DynamoDB rejects stops the start with the
// template's file and line.

export interface DynamoOptions {
  /** An existing DynamoDB-compatible endpoint; nothing is started. */
  url?: string
  /** Keep the data in this folder (dynalite on LevelDB) instead of memory. */
  dir?: string
  /** Port of the embedded server (default 4566, where LocalStack-era handlers look; 0 picks one). */
  port?: number
  host?: string
  /** Region of the SDK client that creates the tables. */
  region?: string
  /**
   * How often the embedded server deletes items whose TTL has passed (DynamoDB does it in
   * the background, typically within days). Default 5000 ms; 0 never deletes them.
   */
  ttlSweepMs?: number
}

export const DEFAULT_DYNAMODB_PORT = 4566
export const DEFAULT_TTL_SWEEP_MS = 5000

export interface Dynamo {
  endpoint: string
  /** Table name → what happened: created, or already there (a kept folder, an existing server). */
  tables: { name: string; status: 'created' | 'exists'; ttlAttribute?: string }[]
  /** Whether this process started the server. */
  embedded: boolean
  /** Creates tables added by a reload of the project file; existing ones are left as they are. */
  ensure(tables: TableSpec[]): Promise<void>
  close(): Promise<void>
}

type Dynalite = (options: Record<string, unknown>) => Server

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

/** Starts (or names) the server; the tables come with `ensure()`, which handlers can load beside. */
export async function startDynamo(options: DynamoOptions): Promise<Dynamo> {
  let server: Server | undefined
  let endpoint = options.url
  if (!endpoint) {
    const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite
    server = dynalite({
      path: options.dir,
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    })
    const host = options.host ?? '127.0.0.1'
    const wanted = options.port ?? DEFAULT_DYNAMODB_PORT
    try {
      const port = await listen(server, wanted, host)
      endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      if (e.code === 'EADDRINUSE') {
        throw new DynamoStartError(
          `port ${wanted} for the embedded DynamoDB is in use (LocalStack or DynamoDB Local?): ` +
            `--dynamodb http://localhost:${wanted} uses that server (the tables are created there), ` +
            '--dynamodb-port 0 picks a free port, --no-dynamodb starts none',
        )
      }
      throw error
    }
  }
  let client: DynamoCall | undefined
  const call: Call = (operation, input) => {
    client ??= dynamoCall(endpoint!, options.region ?? process.env.AWS_REGION ?? 'us-east-1', {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    })
    return client(operation, input)
  }
  const made: Dynamo['tables'] = []
  // dynalite has no TTL: answered in front of it, and expired items swept.
  const sweepMs = options.ttlSweepMs ?? DEFAULT_TTL_SWEEP_MS
  if (!Number.isFinite(sweepMs) || sweepMs < 0)
    throw new DynamoStartError(`ttlSweepMs must be 0 or a positive number of ms, got ${sweepMs}`)
  const ttl = server ? new TimeToLive(call, sweepMs) : undefined
  if (server) ttl!.intercept(server)
  const close = async () => {
    await ttl?.close()
    client?.close()
    if (server) {
      const s = server
      server = undefined
      await new Promise<void>((resolve) => s.close(() => resolve()))
    }
  }
  const ensure = async (specs: TableSpec[]) => {
    const todo = specs.filter((spec) => !made.some((t) => t.name === spec.input.TableName))
    if (todo.length === 0) return
    for (const spec of todo) {
      if (spec.ttlAttribute) ttl?.enable(spec.input.TableName, spec.ttlAttribute)
      try {
        await call('CreateTable', spec.input as unknown as Record<string, unknown>)
        made.push({ name: spec.input.TableName, status: 'created', ttlAttribute: spec.ttlAttribute })
      } catch (error) {
        const e = error as Error & { name: string }
        if (e.name === 'ResourceInUseException') {
          made.push({ name: spec.input.TableName, status: 'exists', ttlAttribute: spec.ttlAttribute })
          continue
        }
        if (e.name === 'ValidationException')
          throw new ProjectFileError(spec.where, `table ${spec.logicalId}: DynamoDB rejects it: ${e.message}`)
        throw new DynamoStartError(`creating table ${spec.input.TableName} at ${endpoint}: ${e.message}`)
      }
    }
  }
  return { endpoint: endpoint!, tables: made, embedded: !options.url, ensure, close }
}
