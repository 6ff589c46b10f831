import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { App, AppError } from '../src/index.js'
import { readServerFrame } from '../src/protocol/frames.js'
import { events, invokeSettled } from '../testkit/index.js'

// The client wire format's contract (docs/client.md): every fixture in wire/ is checked
// against wire.schema.json, then run. An `exchange` runs the real App on the client
// frame and compares what it posted (and returned) with the expected frames; a `read`
// runs the client's reader. A client in another language can run the same files.
// In expected frames "*" stands for any string (request ids, validation messages).

const DIR = fileURLToPath(new URL('./wire/', import.meta.url))
const schema = JSON.parse(readFileSync(fileURLToPath(new URL('./wire.schema.json', import.meta.url)), 'utf8'))
const validate = new Ajv2020({ strict: true, strictRequired: false, allErrors: true }).compile(schema)
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, fixture: JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')) }))

function wildcard(expected: unknown): unknown {
  if (expected === '*') return expect.any(String)
  if (Array.isArray(expected)) return expected.map(wildcard)
  if (expected && typeof expected === 'object')
    return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, wildcard(v)]))
  return expected
}

function appFor(route: { key: string; handler: string; routeResponse?: boolean; schema?: string }) {
  const handlers: Record<string, (ctx: any) => unknown> = {
    return_data: (ctx) => ctx.data,
    return_nothing: () => undefined,
    throw_app_error: () => {
      throw new AppError('conflict', 'that name is taken', { details: { name: 'ada' } })
    },
    throw: () => {
      throw new Error('a detail that must not leak')
    },
  }
  const options = {
    ...(route.routeResponse ? { routeResponse: true } : {}),
    ...(route.schema === 'text_string' ? { data: z.object({ text: z.string() }) } : {}),
  }
  return new App({ logLevel: 'silent' }).webSocket(route.key, options, handlers[route.handler]!)
}

describe('wire fixtures', () => {
  it('there are fixtures of both kinds, each named after its file', () => {
    expect(fixtures.filter((f) => f.fixture.kind === 'exchange').length).toBeGreaterThan(5)
    expect(fixtures.filter((f) => f.fixture.kind === 'read').length).toBeGreaterThan(5)
    for (const { file, fixture } of fixtures) expect(`${fixture.name}.json`).toBe(file)
  })

  for (const { file, fixture } of fixtures) {
    it(`${file}: ${fixture.description}`, async () => {
      expect(validate(fixture), JSON.stringify(validate.errors)).toBe(true)
      if (fixture.kind === 'read') {
        const value = fixture.text === undefined ? fixture.frame : JSON.parse(fixture.text)
        expect(readServerFrame(value)).toEqual(fixture.reads_as)
        return
      }
      const event = events.message({ body: fixture.send, routeKey: fixture.route.key })
      const { result, error, fake } = await invokeSettled(appFor(fixture.route), event)
      expect(error !== undefined, String(error)).toBe(fixture.expect.fails === true)
      const posted = fake.receivedJSON(event.requestContext.connectionId)
      expect(posted).toEqual(wildcard(fixture.expect.posted))
      for (const frame of posted) expect(validate({ ...fixture, expect: { posted: [frame] } })).toBe(true)
      if (fixture.expect.body !== undefined)
        expect(JSON.parse((result as { body: string }).body)).toEqual(wildcard(fixture.expect.body))
    })
  }
})
