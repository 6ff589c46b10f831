// Drives seed 003's project as its team would: `socketeer dev` in the project's folder
// with no flags, so on the ports its files name (3001 for the gateway, 4566 for
// DynamoDB, where its handlers' IS_OFFLINE branch looks). Run inside a private network
// namespace by seed.test.ts, so those fixed ports collide with nothing. Prints one JSON
// line of what it saw.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import WebSocket from 'ws'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const cwd = process.argv[2]
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const out = { steps: [] }
const cli = spawn(process.execPath, ['--import', 'tsx', `${root}src/dev/cli.ts`, 'dev'], {
  cwd,
  env: { ...process.env, NODE_NO_WARNINGS: '1' },
})
let stdout = ''
let stderr = ''
cli.stdout.on('data', (d) => (stdout += d))
cli.stderr.on('data', (d) => (stderr += d))

async function until(what, check, ms = 20_000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const v = await check()
    if (v) return v
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

const dynamo = new DynamoDBClient({
  endpoint: 'http://localhost:4566',
  region: 'ap-northeast-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
})
const TABLE = 'comments-websocket-api-development-connections'
const ids = async () =>
  ((await dynamo.send(new ScanCommand({ TableName: TABLE }))).Items ?? []).map((i) => ({
    connectionId: i.connectionId.S,
    ttl: i.ttl?.N,
  }))

function client() {
  const ws = new WebSocket('ws://localhost:3001/development')
  const frames = []
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())))
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames }))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

try {
  await until('the banner', () => stdout.includes('ws://127.0.0.1:3001/development'))
  out.banner = stdout
  const a = await client()
  const b = await client()
  out.afterConnect = await ids()
  // A record whose connection is gone: the broadcast's 410 branch must delete it.
  await dynamo.send(
    new PutItemCommand({ TableName: TABLE, Item: { connectionId: { S: 'staleConnId0AAA=' } } }),
  )
  const res = await fetch('http://localhost:3001/development/broadcast/comments', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'comments_list', data: { post_id: 'p1', comments: [], count: 0 } }),
  })
  out.broadcast = {
    status: res.status,
    body: await res.json(),
    cors: res.headers.get('access-control-allow-origin'),
  }
  await until('both frames', () => a.frames.length >= 1 && b.frames.length >= 1, 5000)
  out.frames = { a: a.frames, b: b.frames }
  out.afterBroadcast = await ids()
  // $default: the echo goes back through @connections at ws://localhost:3001 (no stage).
  a.ws.send(JSON.stringify({ hello: 1 }))
  await until('the echo', () => a.frames.some((f) => f.type === 'echo'), 5000)
  out.echo = a.frames.find((f) => f.type === 'echo')
  b.ws.close()
  await until('the disconnect delete', async () => (await ids()).length === 1, 5000)
  out.afterDisconnect = await ids()
  a.ws.close()
} catch (error) {
  out.error = String(error?.stack ?? error)
} finally {
  cli.kill('SIGINT')
  await Promise.race([new Promise((r) => cli.once('exit', r)), sleep(5000)])
  out.stdout = stdout
  out.stderr = stderr
  process.stdout.write(`\n${JSON.stringify(out)}\n`)
  process.exit(0)
}
