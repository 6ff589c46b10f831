import { describe, expect, it } from 'vitest'
import { GoneError } from '../../src/index.js'
import { ConnectionsModel } from '../../src/management/model.js'

const facts = (connectionId: string) => ({
  connectionId,
  connectedAt: 1_700_000_000_000,
  sourceIp: '10.0.0.1',
})

describe('the @connections model', () => {
  it('forgets the oldest closed connections past its bound; they stay 410', () => {
    const model = new ConnectionsModel({ rememberClosed: 2 })
    for (const id of ['a', 'b', 'c', 'd']) {
      model.begin(facts(id))
      model.accept(id)
    }
    model.end('a')
    model.end('b')
    model.delete('c')
    expect(model.state('a')).toBeUndefined()
    expect(model.state('b')).toBe('closed')
    expect(model.state('c')).toBe('closed')
    expect(model.openIds()).toEqual(['d'])
    expect(() => model.post('a', new Uint8Array(1))).toThrow(GoneError)
    expect(() => model.get('b')).toThrow(GoneError)
  })

  it('stays bounded over many connections', () => {
    const model = new ConnectionsModel({ rememberClosed: 100 })
    for (let i = 0; i < 5000; i++) {
      model.begin(facts(`id${i}`))
      model.accept(`id${i}`)
      model.end(`id${i}`)
    }
    const known = Array.from({ length: 5000 }, (_, i) => model.state(`id${i}`)).filter(Boolean)
    expect(known).toHaveLength(100)
  })
})
