import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll } from 'vitest'
import { DynamoConnectionStore, type DynamoConnectionStoreOptions } from '../../src/connections/dynamo.js'
import { connectionsCreateTableInput } from '../../src/connections/table.js'

// A real DynamoDB-compatible server (dynalite) on loopback, reached through the real
// AWS SDK with dummy credentials. One server per test file, one table per test.

const require = createRequire(import.meta.url)
const dynalite = require('dynalite') as (options: Record<string, number>) => import('node:http').Server

export interface Dynalite {
  endpoint: string
  /** A client on the server (the store gets its own, or this one wrapped). */
  client(): DynamoDBClient
  /** Creates a fresh table from the exported definition; returns its name. */
  table(): Promise<string>
  store(
    options?: Omit<DynamoConnectionStoreOptions, 'tableName'> & { tableName?: string },
  ): Promise<DynamoConnectionStore>
  /** Every item of a table, unmarshalled (test assertions only: the stores never Scan). */
  scan(table: string): Promise<Record<string, any>[]>
}

export const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
})

export function useDynalite(): Dynalite {
  let server: import('node:http').Server
  let endpoint = ''
  let n = 0
  beforeAll(async () => {
    server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const api: Dynalite = {
    get endpoint() {
      return endpoint
    },
    client: () => new DynamoDBClient(clientConfig(endpoint)),
    async table() {
      const name = `connections-${process.pid}-${++n}`
      await api.client().send(new CreateTableCommand(connectionsCreateTableInput(name)))
      return name
    },
    async store(options = {}) {
      const tableName = options.tableName ?? (await api.table())
      // dynalite serialises transactions: on a loaded 2-core machine 128 concurrent joins
      // can queue past the 5 s production default, which these tests do not measure.
      return new DynamoConnectionStore({
        clientConfig: clientConfig(endpoint),
        requestTimeoutMs: 60_000,
        ...options,
        tableName,
      })
    },
    async scan(table) {
      const items: Record<string, any>[] = []
      const doc = DynamoDBDocumentClient.from(api.client())
      let start: Record<string, any> | undefined
      do {
        const out = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }))
        items.push(...(out.Items ?? []))
        start = out.LastEvaluatedKey
      } while (start)
      return items
    },
  }
  return api
}

/** A connection id shaped like API Gateway's (16 characters ending in `=`). */
export function connectionId(i: number, prefix = 'C'): string {
  return `${prefix}${String(i).padStart(14, '0')}=`
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of iterable) out.push(x)
  return out
}

export function record(id: string, overrides: Record<string, unknown> = {}) {
  return {
    connectionId: id,
    endpoint: 'https://abcd1234.execute-api.us-east-1.amazonaws.com/prod',
    connectedAt: Date.now(),
    ...overrides,
  }
}

/** The DynamoDB operation and raw JSON body of a request at the SDK's finalizeRequest step. */
function requestOf(args: any): { op: string; body: string } {
  const op =
    String(args.request?.headers?.['x-amz-target'] ?? '')
      .split('.')
      .pop() ?? ''
  const raw = args.request?.body ?? ''
  return { op, body: typeof raw === 'string' ? raw : new TextDecoder().decode(raw) }
}

interface Gate {
  match(op: string, body: string): boolean
  reached: () => void
  release: Promise<void>
}

/**
 * A DynamoDB client whose requests can be held at the wire, to force one interleaving of
 * two store operations. `hold(op, match)` pauses the next matching request until
 * `release()`; `reached` resolves once it is paused. `ops` counts requests by operation.
 */
export function gatedClient(endpoint: string) {
  const client = new DynamoDBClient(clientConfig(endpoint))
  const gates: Gate[] = []
  const ops: Record<string, number> = {}
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      const { op, body } = requestOf(args)
      ops[op] = (ops[op] ?? 0) + 1
      const gate = gates.find((g) => g.match(op, body))
      if (gate) {
        gates.splice(gates.indexOf(gate), 1)
        gate.reached()
        await gate.release
      }
      return next(args)
    },
    { step: 'finalizeRequest', name: 'socketeerTestGate' },
  )
  return {
    client,
    ops,
    hold(op: string, match: (body: any) => boolean = () => true) {
      let reached!: () => void
      let release!: () => void
      const reachedP = new Promise<void>((r) => {
        reached = r
      })
      const releaseP = new Promise<void>((r) => {
        release = r
      })
      gates.push({ match: (o, b) => o === op && match(JSON.parse(b || '{}')), reached, release: releaseP })
      return { reached: reachedP, release }
    },
  }
}

/**
 * One store call run request by request: every request it makes is held at the wire, and
 * `step()` sends the held one and waits for its answer (the call's next request is held,
 * or the call has settled), so steps of several calls interleave exactly as a test orders
 * them. `step()` resolves to what it sent, described by `label`.
 */
export function stepwise<T>(
  endpoint: string,
  call: (client: DynamoDBClient) => Promise<T>,
  label: (op: string, body: any) => string,
) {
  const client = new DynamoDBClient(clientConfig(endpoint))
  let held: { label: string; send: () => void } | undefined
  let wake = () => {}
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      const { op, body } = requestOf(args)
      await new Promise<void>((send) => {
        held = { label: label(op, JSON.parse(body || '{}')), send }
        wake()
      })
      return next(args)
    },
    { step: 'finalizeRequest', name: 'socketeerTestStep' },
  )
  const result = call(client).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  const quiet = result.then(() => {})
  /** Resolves once a request is held or the call has settled. */
  const paused = () =>
    Promise.race([
      quiet,
      new Promise<void>((r) => {
        wake = r
        if (held) r()
      }),
    ])
  return {
    async step(): Promise<string> {
      await paused()
      if (!held) throw new Error('the call has no more requests')
      const { label: sent, send } = held
      held = undefined
      send()
      await paused()
      return sent
    },
    /** Every remaining step; resolves to the call's outcome and the labels sent. */
    async finish(): Promise<{ value?: T; error?: unknown; sent: string[] }> {
      const sent: string[] = []
      for (;;) {
        await paused()
        if (!held) return { ...(await result), sent }
        sent.push(await this.step())
      }
    },
  }
}
