import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Call } from './client.js'

// Time to Live for the embedded DynamoDB. dynalite answers DescribeTimeToLive with
// DISABLED always and does not know UpdateTimeToLive, so both are answered here, in front
// of dynalite on the same port, and a sweep deletes expired items as DynamoDB's background
// process does: an item whose TTL attribute is a Number of epoch seconds in the past (and
// not more than five years in the past) is deleted; any other type is ignored. AWS deletes
// within days; locally the sweep runs every few seconds. Until it runs, expired items still
// show in reads, as on AWS.

const PREFIX = 'DynamoDB_20120810.'
const FIVE_YEARS_S = 5 * 365 * 24 * 3600
const MAX_BODY = 1024 * 1024

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  })
  res.end(text)
}

const error = (type: string, message: string) => ({
  __type: `com.amazonaws.dynamodb.v20120810#${type}`,
  message,
})

const notNull = (field: string) =>
  error(
    'ValidationException',
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
  )

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        req.destroy()
        reject(new Error('too large'))
      } else chunks.push(chunk)
    })
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch (e) {
        reject(e)
      }
    })
    req.on('error', reject)
  })
}

export class TimeToLive {
  /** Table name → TTL attribute name, for tables with TTL enabled. */
  readonly #attributes = new Map<string, string>()
  readonly #keys = new Map<string, string[]>()
  #timer: NodeJS.Timeout | undefined
  #sweeping: Promise<number> | undefined
  #closed = false

  constructor(
    private readonly call: Call,
    private readonly sweepMs: number,
  ) {}

  /** Enables TTL on a table (the project file's TimeToLiveSpecification). */
  enable(table: string, attribute: string): void {
    this.#attributes.set(table, attribute)
    this.#schedule()
  }

  attribute(table: string): string | undefined {
    return this.#attributes.get(table)
  }

  /** Puts the two TTL operations in front of dynalite's request handler. */
  intercept(server: Server): void {
    const inner = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[]
    server.removeAllListeners('request')
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const target = req.headers['x-amz-target']
      if (target === `${PREFIX}UpdateTimeToLive` || target === `${PREFIX}DescribeTimeToLive`) {
        this.#answer(target.slice(PREFIX.length), req, res).catch(() => {
          if (!res.headersSent) reply(res, 500, error('InternalServerError', 'Internal error'))
        })
        return
      }
      for (const listener of inner) listener.call(server, req, res)
    })
  }

  async #exists(table: string): Promise<boolean> {
    try {
      const out = await this.call('DescribeTable', { TableName: table })
      this.#keys.set(
        table,
        out.Table.KeySchema.map((k: { AttributeName: string }) => k.AttributeName),
      )
      return true
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return false
      throw e
    }
  }

  async #answer(operation: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: any
    try {
      body = await readJson(req)
    } catch {
      return reply(res, 400, { __type: 'com.amazon.coral.service#SerializationException' })
    }
    const table = body?.TableName
    if (typeof table !== 'string') return reply(res, 400, notNull('tableName'))
    if (!(await this.#exists(table)))
      return reply(res, 400, error('ResourceNotFoundException', 'Requested resource not found'))
    const current = this.#attributes.get(table)
    if (operation === 'DescribeTimeToLive')
      return reply(res, 200, {
        TimeToLiveDescription: current
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: current }
          : { TimeToLiveStatus: 'DISABLED' },
      })
    const spec = body.TimeToLiveSpecification
    if (!spec || typeof spec !== 'object') return reply(res, 400, notNull('timeToLiveSpecification'))
    if (typeof spec.Enabled !== 'boolean') return reply(res, 400, notNull('timeToLiveSpecification.enabled'))
    const name = spec.AttributeName
    if (typeof name !== 'string') return reply(res, 400, notNull('timeToLiveSpecification.attributeName'))
    if (name.length < 1 || name.length > 255)
      return reply(
        res,
        400,
        error(
          'ValidationException',
          `1 validation error detected: Value '${name}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length between 1 and 255`,
        ),
      )
    if (spec.Enabled && current)
      return reply(res, 400, error('ValidationException', 'TimeToLive is already enabled'))
    if (!spec.Enabled && !current)
      return reply(res, 400, error('ValidationException', 'TimeToLive is already disabled'))
    if (!spec.Enabled && current !== name)
      return reply(
        res,
        400,
        error(
          'ValidationException',
          `TimeToLive is active on a different AttributeName: current AttributeName is ${current}`,
        ),
      )
    if (spec.Enabled) this.enable(table, name)
    else this.#attributes.delete(table)
    reply(res, 200, { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: name } })
  }

  #schedule(): void {
    if (this.#timer || this.#closed || this.sweepMs <= 0 || this.#attributes.size === 0) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.sweep()
        .catch(() => {
          // A sweep that fails (the server closing, a table deleted) is tried again next time.
        })
        .finally(() => this.#schedule())
    }, this.sweepMs)
    this.#timer.unref()
  }

  /** Deletes every expired item now; resolves with how many. One sweep at a time. */
  sweep(nowMs = Date.now()): Promise<number> {
    this.#sweeping ??= this.#sweepAll(nowMs).finally(() => {
      this.#sweeping = undefined
    })
    return this.#sweeping
  }

  async #sweepAll(nowMs: number): Promise<number> {
    if (this.#attributes.size === 0) return 0
    const now = Math.floor(nowMs / 1000)
    let deleted = 0
    for (const [table, attribute] of this.#attributes) {
      if (this.#closed) break
      try {
        deleted += await this.#sweepTable(table, attribute, now)
      } catch (e) {
        // A table deleted (or re-created) since: its key schema is read again next time.
        this.#keys.delete(table)
        if ((e as Error).name !== 'ResourceNotFoundException') throw e
      }
    }
    return deleted
  }

  async #sweepTable(table: string, attribute: string, now: number): Promise<number> {
    let deleted = 0
    if (!this.#keys.has(table) && !(await this.#exists(table))) return 0
    const keys = this.#keys.get(table)!
    const names: Record<string, string> = { '#ttl': attribute }
    keys.forEach((k, i) => {
      names[`#k${i}`] = k
    })
    // A Number comparison matches Numbers only, so other types are left, as AWS leaves them.
    const values = { ':now': { N: String(now) }, ':floor': { N: String(now - FIVE_YEARS_S) } }
    let start: Record<string, unknown> | undefined
    do {
      const page = await this.call('Scan', {
        TableName: table,
        FilterExpression: '#ttl < :now AND #ttl >= :floor',
        ProjectionExpression: keys.map((_, i) => `#k${i}`).join(', '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ...(start && { ExclusiveStartKey: start }),
      })
      for (const key of page.Items ?? []) {
        try {
          await this.call('DeleteItem', {
            TableName: table,
            Key: key,
            // Not if it was written again since the scan with a later expiry.
            ConditionExpression: '#ttl < :now AND #ttl >= :floor',
            ExpressionAttributeNames: { '#ttl': attribute },
            ExpressionAttributeValues: values,
          })
          deleted++
        } catch (e) {
          if ((e as Error).name !== 'ConditionalCheckFailedException') throw e
        }
      }
      start = page.LastEvaluatedKey
    } while (start && !this.#closed)
    return deleted
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#sweeping?.catch(() => {})
  }
}
