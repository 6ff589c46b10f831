import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { AppError } from '../../src/errors.js'
import { parseJsonBody, validateAsync, validateSync } from '../../src/json.js'
import { sample } from '../events/samples/index.js'
import { harness } from './helpers.js'

// Body parsing shared by ws.json() and ctx.req.json().

afterEach(() => {
  // If a test ever did pollute, leave the next one a clean prototype (and fail loudly here).
  const polluted = 'polluted' in Object.prototype
  delete (Object.prototype as Record<string, unknown>).polluted
  expect(polluted).toBe(false)
})

describe('__proto__ pollution guard', () => {
  const attacks = [
    ['a __proto__ key', '{"__proto__":{"polluted":true},"a":1}'],
    ['an escaped __proto__ key', '{"\\u005f_proto__":{"polluted":true},"a":1}'],
    ['a fully escaped __proto__ key', '{"\\u005f\\u005f\\u0070roto\\u005f\\u005f":{"polluted":true},"a":1}'],
    ['a nested __proto__ key', '{"a":1,"deep":{"__proto__":{"polluted":true}}}'],
    ['a constructor.prototype', '{"a":1,"constructor":{"prototype":{"polluted":true}}}'],
    ['an escaped constructor.prototype', '{"a":1,"c\\u006fnstructor":{"prototype":{"polluted":true}}}'],
  ]

  it.each(attacks)('drops %s, so a later merge cannot reach Object.prototype', (_what, text) => {
    const parsed = parseJsonBody(text) as Record<string, any>
    expect(parsed.a).toBe(1)
    expect(Object.hasOwn(parsed, '__proto__')).toBe(false)
    expect(Object.hasOwn(parsed, 'constructor')).toBe(false)
    if (parsed.deep) expect(Object.hasOwn(parsed.deep, '__proto__')).toBe(false)
    // The merges that pollute when handed an own __proto__ key:
    Object.assign({}, parsed)
    if (parsed.deep) Object.assign({}, parsed.deep)
    naiveDeepMerge({}, parsed)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('is needed: with plain JSON.parse the same merge pollutes every object', () => {
    const raw = JSON.parse('{"__proto__":{"polluted":true}}')
    expect(Object.hasOwn(raw, '__proto__')).toBe(true)
    try {
      naiveDeepMerge({}, raw)
      expect(({} as Record<string, unknown>).polluted).toBe(true)
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted
    }
  })

  it('keeps ordinary data named like the dangerous keys', () => {
    expect(parseJsonBody('{"constructor":"Ford","prototype":"T1","text":"__proto__"}')).toStrictEqual({
      constructor: 'Ford',
      prototype: 'T1',
      text: '__proto__',
    })
    expect(parseJsonBody('{"name":"caf\\u00e9"}')).toStrictEqual({ name: 'café' })
    expect(parseJsonBody('[1,"two",null]')).toStrictEqual([1, 'two', null])
  })

  it('guards ws.json() and ctx.req.json() alike', async () => {
    const h = harness()
    const seen: unknown[] = []
    h.app.webSocket('$default', (ctx) => {
      seen.push(Object.assign({}, ctx.asWebSocket().json()))
    })
    h.app.post('/posts/:id/comments', (ctx) => {
      seen.push(Object.assign({}, ctx.req.json()))
      return null
    })
    const ws = sample('ws-message')
    ws.body = '{"__proto__":{"polluted":true}}'
    const rest = sample('rest-v1')
    rest.body = '{"__proto__":{"polluted":true}}'
    await h.app.handler(ws)
    await h.app.handler(rest)
    expect(seen).toStrictEqual([{}, {}])
    for (const s of seen) expect(Object.getPrototypeOf(s)).toBe(Object.prototype)
  })
})

describe('syntax errors', () => {
  it.each(['', '{', '{"a":}', 'undefined', "{'a':1}", '{"a":1}}'])('%j is a bad_request', (text) => {
    expect(() => parseJsonBody(text)).toThrow(AppError)
    try {
      parseJsonBody(text)
    } catch (e) {
      expect((e as AppError).code).toBe('bad_request')
      expect((e as AppError).status).toBe(400)
      // The parser's own message (which quotes the input) is not passed on.
      expect((e as AppError).message).toBe('Request body is not valid JSON')
    }
  })
})

describe('Standard Schema validation', () => {
  const Post = z.object({
    title: z.string().min(3),
    tags: z.array(z.string()).default([]),
    meta: z.object({ draft: z.boolean() }),
  })

  it('returns the schema output (defaults applied)', () => {
    expect(validateSync(Post, { title: 'Hello', meta: { draft: false } })).toStrictEqual({
      title: 'Hello',
      tags: [],
      meta: { draft: false },
    })
  })

  it('fails with bad_request naming the first issue, all issues in details with dotted paths', () => {
    let error: AppError | undefined
    try {
      validateSync(Post, { title: 'Hi', meta: { draft: 'no' } })
    } catch (e) {
      error = e as AppError
    }
    expect(error).toBeInstanceOf(AppError)
    expect(error!.code).toBe('bad_request')
    expect(error!.message).toMatch(/^Invalid body at title: /)
    expect(error!.details).toStrictEqual([
      { path: 'title', message: expect.any(String) },
      { path: 'meta.draft', message: expect.any(String) },
    ])
  })

  it('validates asynchronously with validateAsync, and refuses an async schema in validateSync', async () => {
    const Unique = z.object({ name: z.string() }).refine(async (v) => v.name !== 'taken', 'Name is taken')
    await expect(validateAsync(Unique, { name: 'free' })).resolves.toStrictEqual({ name: 'free' })
    await expect(validateAsync(Unique, { name: 'taken' })).rejects.toMatchObject({
      code: 'bad_request',
      message: 'Invalid body: Name is taken',
    })
    expect(() => validateSync(Unique, { name: 'free' })).toThrow(/use jsonAsync\(schema\)/)
  })

  it('works with any Standard Schema implementation, not only zod', () => {
    const evenNumber = {
      '~standard': {
        version: 1 as const,
        vendor: 'hand-made',
        validate: (value: unknown) =>
          typeof value === 'number' && value % 2 === 0
            ? { value }
            : { issues: [{ message: 'Expected an even number', path: [{ key: 'n' }] }] },
      },
    }
    expect(validateSync(evenNumber, 4)).toBe(4)
    expect(() => validateSync(evenNumber, 3)).toThrow('Invalid body at n: Expected an even number')
  })
})

// The kind of merge found in many codebases: it follows __proto__ if the source has it as an own key.
function naiveDeepMerge(target: Record<string, any>, source: Record<string, any>): Record<string, any> {
  for (const key of Object.keys(source)) {
    const value = source[key]
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      target[key] ??= {}
      naiveDeepMerge(target[key], value)
    } else {
      target[key] = value
    }
  }
  return target
}
