import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { afterEach } from 'vitest'
import { WebSocket } from 'ws'
import { type DevOptions, type DevServer, startDev } from '../../../src/dev/index.js'

// `startDev` on a project file, on free ports, closed after each test.

const running: DevServer[] = []
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await Promise.all(running.splice(0).map((dev) => dev.close()))
})

export async function startProject(options: DevOptions, lines: string[] = []): Promise<DevServer> {
  const dev = await startDev({
    port: 0,
    dynamodb: { port: 0 },
    watch: false,
    logger: (line) => lines.push(line),
    ...options,
  })
  running.push(dev)
  return dev
}

/** Opens a socket; resolves with it, or with the handshake's refusal status. */
export function connect(url: string): Promise<{ ws?: WebSocket; status?: number; frames: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    sockets.push(ws)
    const frames: string[] = []
    ws.on('message', (d) => frames.push(d.toString()))
    ws.once('open', () => resolve({ ws, frames }))
    ws.once('unexpected-response', (_req, res) => {
      res.resume()
      resolve({ status: res.statusCode, frames })
    })
    ws.once('error', reject)
  })
}

export async function scan(endpoint: string, table: string): Promise<Record<string, any>[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  })
  try {
    return (await client.send(new ScanCommand({ TableName: table }))).Items ?? []
  } finally {
    client.destroy()
  }
}

export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 5000,
): Promise<T> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const v = await check()
    if (v) return v
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}
