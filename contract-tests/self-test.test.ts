import { describe, expect, it } from 'vitest'
import { type Fixture, runFixture, TestkitError } from '../testkit/index.js'
import { compileSchema, loadFixtures } from './load.js'

// The contract suite checks itself: the schema must reject malformed fixtures, and
// the runner must fail a fixture whose expectation is wrong. Without this, a schema
// that accepts anything or a runner that compares nothing would pass every fixture.

const validate = compileSchema()
const byName = new Map(loadFixtures().map(({ fixture }) => [fixture.name, fixture]))

function base(name: string): Fixture {
  const fixture = byName.get(name)
  if (!fixture) throw new Error(`no fixture ${name}`)
  return structuredClone(fixture)
}

function errorsOf(fixture: unknown): string {
  return validate(fixture) ? '' : JSON.stringify(validate.errors)
}

describe('fixture.schema.json rejects malformed fixtures', () => {
  const mutations: Array<[string, (f: any) => void, RegExp]> = [
    ['no expect.calls', (f) => delete f.expect.calls, /"missingProperty":"calls"/],
    ['neither result nor error', (f) => delete f.expect.result, /must match exactly one schema in oneOf/],
    ['both result and error', (f) => (f.expect.error = { message: 'x' }), /oneOf/],
    [
      'an unknown behaviour',
      (f) => (f.setup.routes.$default = 'echo'),
      /"instancePath":"\/setup\/routes\/\$default"/,
    ],
    ['reject without a status', (f) => (f.setup.routes.$default = 'reject'), /\/setup\/routes\/\$default/],
    ['a reserved-looking route key', (f) => (f.setup.routes.$foo = 'accept'), /propertyName/],
    [
      'an HTTP route with a bad method',
      (f) => (f.setup.httpRoutes = { 'FETCH /x': 'http_json' }),
      /propertyName/,
    ],
    ['a post call without data', (f) => delete f.expect.calls[0].data, /\/expect\/calls\/0/],
    ['a get call with data', (f) => (f.expect.calls[0].op = 'get'), /\/expect\/calls\/0/],
    ['a call without endpoint', (f) => delete f.expect.calls[0].endpoint, /"missingProperty":"endpoint"/],
    [
      'a misspelt call field',
      (f) => (f.expect.calls[0].connectionID = 'x'),
      /additionalProperty.*connectionID/,
    ],
    [
      'an error on a 200 call',
      (f) => (f.expect.calls[0].error = 'GoneException'),
      /\/expect\/calls\/0\/status/,
    ],
    ['body and json together', (f) => (f.expect.result.body = '{}'), /\/expect\/result/],
    ['a result without statusCode', (f) => delete f.expect.result.statusCode, /\/expect\/result/],
    ['an extra top-level field', (f) => (f.notes = 'x'), /additionalProperty.*notes/],
    ['a bad name', (f) => (f.name = 'Send To Self'), /\/name/],
    ['no input', (f) => delete f.input, /"missingProperty":"input"/],
    [
      'a fault with neither status nor latency',
      (f) => (f.setup.faults = [{ times: 1 }]),
      /\/setup\/faults\/0/,
    ],
    ['a fault answering 200', (f) => (f.setup.faults = [{ status: 200 }]), /\/setup\/faults\/0\/status/],
    [
      'an unknown connection state',
      (f) => (f.setup.connections = [{ connectionId: 'a', state: 'gone' }]),
      /state/,
    ],
    [
      'a short sha256',
      (f) => (f.expect.calls[0] = { ...f.expect.calls[0], dataSha256: 'abc' }),
      /dataSha256/,
    ],
  ]

  it('the base fixture is valid, so each rejection below is due to its mutation', () => {
    expect(errorsOf(base('send-to-self'))).toBe('')
  })

  for (const [what, mutate, where] of mutations) {
    it(`rejects ${what}`, () => {
      const fixture = base('send-to-self')
      mutate(fixture)
      expect(errorsOf(fixture)).toMatch(where)
    })
  }

  it('rejects a non-object fixture', () => {
    expect(errorsOf([])).toMatch(/must be object/)
    expect(errorsOf(null)).toMatch(/must be object/)
  })
})

describe('the runner fails fixtures whose expectations are wrong', () => {
  async function problems(name: string, mutate: (f: any) => void): Promise<string> {
    const fixture = base(name)
    mutate(fixture)
    const report = await runFixture(fixture)
    expect(report.passed).toBe(false)
    return report.problems.join('\n')
  }

  it('passes the unmutated fixture', async () => {
    expect((await runFixture(base('send-to-self'))).problems).toEqual([])
  })

  it('different call data', async () => {
    expect(await problems('send-to-self', (f) => (f.expect.calls[0].data = 'bye'))).toMatch(
      /data: expected "bye"/,
    )
  })
  it('a different endpoint', async () => {
    const p = await problems(
      'custom-domain-base-path',
      (f) => (f.expect.calls[0].endpoint = 'https://chat.example.com'),
    )
    expect(p).toMatch(/endpoint: expected "https:\/\/chat.example.com", got "https:\/\/chat.example.com\/v1"/)
  })
  it('a missing and an extra call', async () => {
    expect(await problems('send-to-self', (f) => (f.expect.calls = []))).toMatch(/#0 unexpected: post/)
    expect(
      await problems('connect-accept', (f) => f.expect.calls.push({ op: 'get', connectionId: 'x' })),
    ).toMatch(/#0 missing: expected get x/)
  })
  it('calls in another order', async () => {
    expect(await problems('broadcast-all', (f) => f.expect.calls.reverse())).toMatch(/#0 differs/)
  })
  it('a different result status, header or body', async () => {
    expect(await problems('connect-accept', (f) => (f.expect.result.statusCode = 201))).toMatch(
      /result.statusCode/,
    )
    expect(await problems('connect-subprotocol', (f) => (f.expect.result.headers = {}))).toMatch(
      /result.headers/,
    )
    expect(await problems('connect-accept', (f) => (f.expect.result.headers = { a: 'b' }))).toMatch(
      /result.headers/,
    )
    expect(await problems('default-echo-json', (f) => (f.expect.result.json.message = 'ho'))).toMatch(
      /result.body/,
    )
    expect(
      await problems('default-echo-text', (f) => (f.expect.result = { statusCode: 200, json: {} })),
    ).toMatch(/expected JSON/)
  })
  it('a result where the invocation fails, and the reverse', async () => {
    expect(
      await problems('unknown-event', (f) => (f.expect = { result: { statusCode: 200 }, calls: [] })),
    ).toMatch(/the invocation failed: UnknownEventError/)
    expect(
      await problems('connect-accept', (f) => (f.expect = { error: { message: 'x' }, calls: [] })),
    ).toMatch(/expected the invocation to fail/)
    expect(await problems('authorizer-throw', (f) => (f.expect.error.message = 'Forbidden'))).toMatch(
      /error.message/,
    )
  })
  it('a wrong connection state afterwards', async () => {
    expect(
      await problems(
        'connect-accept',
        (f) => (f.expect.states[f.input.requestContext.connectionId] = 'closed'),
      ),
    ).toMatch(/state of .*: expected closed, got open/)
  })
  it('a call to a connection the fixture never set up (strict fake)', async () => {
    const p = await problems('send-to-gone', (f) => (f.setup.connections = []))
    expect(p).toMatch(/strict fake: unexpected post for GoneGoneGoneGon=/)
  })
  it('an unknown behaviour is a clear error, not a pass', async () => {
    const fixture = base('send-to-self')
    fixture.setup.routes = { $default: 'sing' }
    await expect(runFixture(fixture)).rejects.toThrow(TestkitError)
    await expect(runFixture(fixture)).rejects.toThrow(/unknown WebSocket behaviour "sing"/)
  })
})
