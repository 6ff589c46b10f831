import { InspectorError } from './errors.js'
import type { Entry } from './recorder.js'
import { payload } from './views.js'

// "Copy as test": a vitest file that rebuilds a recorded event with socketeer/testkit's
// builders, runs the App on it with a FakeStreamer that knows the connections it
// posted to, and expects the result and the @connections calls the gateway saw.

type Rc = {
  connectionId?: string
  authorizer?: Record<string, unknown>
  identity?: { sourceIp?: string; userAgent?: string }
  disconnectStatusCode?: number
  disconnectReason?: string
}

type AnyEvent = {
  requestContext?: Rc
  body?: string | null
  headers?: Record<string, string>
  queryStringParameters?: Record<string, string> | null
  httpMethod?: string
  path?: string
  rawPath?: string
  version?: string
  isBase64Encoded?: boolean
}

const json = (value: unknown, indent = '  ') => JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`)

function identity(rc: Rc): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (rc.identity?.sourceIp) out.sourceIp = rc.identity.sourceIp
  if (rc.identity?.userAgent) out.userAgent = rc.identity.userAgent
  // integrationLatency is the gateway's measurement, not something the handler decided on.
  if (rc.authorizer) {
    const { integrationLatency: _l, ...context } = rc.authorizer
    out.authorizer = context
  }
  return out
}

function builder(entry: Entry): string {
  const event = entry.event as AnyEvent
  const rc = event.requestContext ?? {}
  const connectionId = rc.connectionId
  if (entry.fn === 'http' || entry.fn?.startsWith('http ')) {
    const input: Record<string, unknown> = {
      method:
        event.httpMethod ??
        (event as { requestContext?: { http?: { method?: string } } }).requestContext?.http?.method,
      path: event.path ?? event.rawPath,
    }
    if (event.queryStringParameters) input.query = event.queryStringParameters
    if (event.body !== undefined && event.body !== null) {
      input.body = event.body
      if (event.isBase64Encoded) input.isBase64Encoded = true
    }
    return `events.${event.version === '2.0' ? 'httpApi' : 'rest'}(${json(input)})`
  }
  if (entry.fn === '$connect' || entry.fn === 'authorizer') {
    const input: Record<string, unknown> = { connectionId, ...identity(rc) }
    if (event.queryStringParameters) input.query = event.queryStringParameters
    if (entry.fn === 'authorizer') delete input.authorizer
    return `events.${entry.fn === 'authorizer' ? 'authorizer' : 'connect'}(${json(input)})`
  }
  if (entry.fn === '$disconnect') {
    return `events.disconnect(${json({
      connectionId,
      ...identity(rc),
      statusCode: rc.disconnectStatusCode,
      reason: rc.disconnectReason,
    })})`
  }
  return `events.message(${json({ connectionId, routeKey: entry.fn, body: event.body ?? '', ...identity(rc) })})`
}

function expectedCall(call: Entry): Record<string, unknown> {
  const op = (call.route ?? '').split(' ')[0]!.toLowerCase()
  const out: Record<string, unknown> = { op, connectionId: call.connectionId, status: call.status }
  if (op === 'post') {
    const data = payload(call.data)
    if (call.cut?.data !== undefined) out.dataSize = call.cut.data
    else if (data?.text !== undefined) out.data = data.text
    else if (data?.base64 !== undefined) out.dataBase64 = data.base64
  }
  return out
}

function serverError(result: unknown): boolean {
  const status = (result as { statusCode?: unknown }).statusCode
  return typeof status === 'number' && status >= 500
}

/**
 * The test file's text; `appImport` is the module the App is imported from. `liveAt`,
 * given when the event's calls are not all known (see Recorder.callsTied), are the
 * connections open when it ran: the fake then knows them all and accepts any call.
 */
export function testSnippet(entry: Entry, calls: Entry[], appImport: string, liveAt?: string[]): string {
  const tracked = liveAt === undefined
  if (entry.event === undefined || entry.fn === undefined)
    throw new InspectorError(400, `#${entry.seq} ran no function: there is nothing to turn into a test`)
  if (entry.cut?.['event.body'] !== undefined)
    throw new InspectorError(
      409,
      `#${entry.seq}'s body was cut at ${entry.cut['event.body']} characters; raise the inspector's maxBodyBytes to copy it as a test`,
    )
  const own = (entry.event as AnyEvent).requestContext?.connectionId
  const ownIsNew = entry.fn === '$connect' || entry.fn === 'authorizer' || entry.fn === '$disconnect'
  const setup: string[] = []
  const seen = new Set<string>()
  const known = tracked
    ? calls.map((call) => ({ id: call.connectionId, gone: call.status === 410 }))
    : liveAt.map((id) => ({ id, gone: false }))
  for (const { id, gone } of known) {
    if (id === undefined || seen.has(id) || (ownIsNew && id === own)) continue
    seen.add(id)
    setup.push(`  fake.${gone ? 'gone' : 'connect'}(${JSON.stringify(id)})`)
  }
  const failed = entry.error !== undefined && entry.result === undefined
  const title = `${entry.fn}${own ? ` on ${own}` : ''} does what the inspector saw (#${entry.seq})`
  const untracked = tracked
    ? []
    : [
        '  // Some @connections call made while it ran named no invocation (boto3, the SDK over',
        '  // HTTP, a streamer given no requestId), so its own calls are not all known. The fake',
        '  // knows every connection open then and accepts any call; name the calls you expect',
        '  // with fake.assertCalls([...]).',
      ]
  const lines = [
    `// Written by the socketeer inspector from #${entry.seq} (${entry.kind} ${entry.route ?? ''}, ${new Date(entry.at).toISOString()}).`,
    '// The App import is relative to the project root: adjust it to where this file lives.',
    ...(entry.fn.startsWith('http ')
      ? [`// ${entry.fn.slice(5)} has a function of its own (not the App): import that handler as \`app\`.`]
      : []),
    "import { events, FakeStreamer, invoke } from 'socketeer/testkit'",
    "import { expect, it } from 'vitest'",
    `import { app } from '${appImport.replace(/[\\']/g, '\\$&')}'`,
    '',
    `it('${title.replace(/[\\']/g, '\\$&')}', async () => {`,
    ...untracked,
    `  const fake = new FakeStreamer(${tracked ? '' : '{ strict: false }'})`,
    ...setup,
    `  const event = ${builder(entry)}`,
  ]
  if (failed) {
    lines.push(`  await expect(invoke(app, event, { fake })).rejects.toThrow()`)
  } else {
    lines.push(
      '  const { result } = await invoke(app, event, { fake })',
      entry.result === undefined || entry.result === null
        ? '  expect(result ?? null).toBeNull()'
        : serverError(entry.result)
          ? // An error answer carries a fresh request id each time: its status is what repeats.
            `  expect(result).toMatchObject({ statusCode: ${(entry.result as { statusCode: number }).statusCode} })`
          : `  expect(result).toEqual(${json(entry.result)})`,
    )
  }
  if (tracked) lines.push(`  fake.assertCalls(${json(calls.map(expectedCall))})`)
  lines.push('})', '')
  return lines.join('\n')
}
