import { Agent, request } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { createRequire } from 'node:module'

// The few DynamoDB calls the dev server makes itself (CreateTable, and the TTL sweep's
// DescribeTable, Scan, DeleteItem): DynamoDB's JSON protocol over one keep-alive agent,
// signed by aws4 (socketeer's own signer). Loading the SDK v3 client for them cost about
// 0.3 s of CPU at every start; this costs a few ms. Handlers keep their own SDKs.

export interface DynamoCall {
  (operation: string, input: Record<string, unknown>): Promise<any>
  close(): void
}
export type Call = (operation: string, input: Record<string, unknown>) => Promise<any>

/** A failed call: `name` is DynamoDB's error type (`ResourceInUseException`, ...). */
export class DynamoCallError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

type Aws4 = typeof import('aws4')

export function dynamoCall(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): DynamoCall {
  const aws4 = createRequire(import.meta.url)('aws4') as Aws4
  const url = new URL(endpoint)
  const tls = url.protocol === 'https:'
  const agent = tls ? undefined : new Agent({ keepAlive: true })
  const call = (operation: string, input: Record<string, unknown>) =>
    new Promise<any>((resolve, reject) => {
      const body = JSON.stringify(input)
      const signed = aws4.sign(
        {
          host: url.host,
          path: '/',
          method: 'POST',
          service: 'dynamodb',
          region,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `DynamoDB_20120810.${operation}`,
          },
          body,
        },
        credentials,
      )
      const req = (tls ? httpsRequest : request)(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port,
          path: '/',
          method: 'POST',
          headers: signed.headers as Record<string, string>,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let json: Record<string, any> = {}
            try {
              json = text ? JSON.parse(text) : {}
            } catch {
              // Not JSON (a proxy's page): reported below by status.
            }
            const status = res.statusCode ?? 0
            if (status >= 200 && status < 300) return resolve(json)
            const type =
              String(json.__type ?? '')
                .split('#')
                .pop() || `HTTP ${status}`
            reject(new DynamoCallError(type, String(json.message ?? json.Message ?? type), status))
          })
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  return Object.assign(call, { close: () => agent?.destroy() })
}
