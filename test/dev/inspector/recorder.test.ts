import { describe, expect, it } from 'vitest'
import { Recorder } from '../../../src/dev/inspector/recorder.js'
import type { LogFields } from '../../../src/dev/log.js'

// The recorder keeps columns, not the gateway's log records: a record is read, never
// changed or kept, and entries are built when asked for.

const recorder = (maxEvents = 4, maxBodyBytes = 10) =>
  new Recorder(
    { maxEvents, maxBodyBytes, maxClosed: 2 },
    () => undefined,
    () => 7,
  )

describe('inspector recorder', () => {
  it('reads a record without changing it, and builds the entry when asked', () => {
    const r = recorder()
    const event = { body: 'hi' }
    const fields: LogFields = {
      kind: 'MESSAGE',
      route: 'say',
      connectionId: 'c1',
      status: 200,
      ms: 1.5,
      event,
      fn: 'say',
      bytes: 2,
    }
    const before = { ...fields }
    r.record(fields, 1234)
    expect(fields).toEqual(before)
    expect(Object.keys(fields)).toEqual(Object.keys(before))
    const entry = r.get(1)!
    expect(entry).toEqual({ ...before, seq: 1, at: 1234, generation: 7 })
    // The event is the one the function got (not a copy).
    expect(entry.event).toBe(event)
    expect(entry).not.toHaveProperty('detail')
  })

  it('holds the last N, in order, and answers for nothing older', () => {
    const r = recorder(3)
    for (let i = 1; i <= 5; i++) r.record({ kind: 'MESSAGE', detail: `m${i}` }, i)
    expect(r.lastSeq).toBe(5)
    expect(r.firstSeq).toBe(3)
    expect(r.get(2)).toBeUndefined()
    expect(r.has(2)).toBe(false)
    expect(r.after(0).map((e) => e.detail)).toEqual(['m3', 'm4', 'm5'])
    expect(r.after(4).map((e) => e.seq)).toEqual([5])
  })

  it('cuts oversized texts in a copy, leaving the logged record whole', () => {
    const r = recorder(4, 5)
    const event = { body: 'x'.repeat(50), requestContext: { routeKey: 'a' } }
    const fields: LogFields = { kind: 'MESSAGE', event, output: 'y'.repeat(20), data: 'z'.repeat(8) }
    r.record(fields, 1)
    expect(event.body).toHaveLength(50)
    const entry = r.get(1)!
    expect((entry.event as { body: string }).body).toBe('xxxxx')
    expect(entry.output).toBe('yyyyy')
    expect(entry.data).toBe('zzzzz')
    expect(entry.cut).toEqual({ 'event.body': 50, output: 20, data: 8 })
  })

  it('finds an invocation and the @connections calls it made', () => {
    const r = recorder(8)
    r.record({ kind: 'MANAGE', route: 'POST in-process', connectionId: 'b', caller: 'inv-1', status: 200 }, 1)
    r.record({ kind: 'MANAGE', route: 'POST in-process', connectionId: 'c', caller: 'inv-2', status: 200 }, 2)
    r.record({ kind: 'MESSAGE', route: 'tell', invocation: 'inv-1', fn: 'tell', event: {} }, 3)
    expect(r.byInvocation('inv-1')?.seq).toBe(3)
    expect(r.callsOf('inv-1').map((e) => e.connectionId)).toEqual(['b'])
    expect(r.byInvocation('nope')).toBeUndefined()
  })

  it("knows when an invocation's calls are all tied to it", () => {
    // The invocation ran from 1000 to 1050 (its record is logged at its end).
    const tied = (others: Array<[LogFields, number]>) => {
      const r = recorder(16)
      for (const [fields, at] of others.filter(([, at]) => at <= 1050)) r.record(fields, at)
      r.record({ kind: 'MESSAGE', route: 'tell', invocation: 'inv-1', fn: 'tell', ms: 50, event: {} }, 1050)
      for (const [fields, at] of others.filter(([, at]) => at > 1050)) r.record(fields, at)
      return r.callsTied(r.byInvocation('inv-1')!)
    }
    const named = { kind: 'MANAGE', route: 'POST in-process', caller: 'inv-2', status: 200 } as const
    const unnamed = { kind: 'MANAGE', route: 'POST in-process', caller: 'in-process', status: 200 } as const
    const http = { kind: 'MANAGE', route: 'POST', caller: 'Boto3/1.0', status: 200 } as const
    const page = {
      kind: 'MANAGE',
      route: 'POST inspector',
      caller: 'the inspector page',
      status: 200,
    } as const
    expect(tied([])).toBe(true)
    // Another invocation's named call, or the inspector's own post, meanwhile: still tied.
    expect(tied([[named, 1020]])).toBe(true)
    expect(tied([[page, 1020]])).toBe(true)
    // A call naming no invocation, or one over HTTP, meanwhile: not all known.
    expect(tied([[unnamed, 1020]])).toBe(false)
    expect(tied([[http, 1020]])).toBe(false)
    // Just after its end (a call it did not await), but not long after or before it ran.
    expect(tied([[unnamed, 1080]])).toBe(false)
    expect(tied([[unnamed, 1300]])).toBe(true)
    expect(tied([[http, 900]])).toBe(true)
  })
})
