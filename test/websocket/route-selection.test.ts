import { describe, expect, it } from 'vitest'
import { RouteSelectionError } from '../../src/websocket/errors.js'
import { compileRouteSelection, selectRoute } from '../../src/websocket/route-selection.js'

// Route selection as the gateway does it (semantics page, section 3).

describe('compileRouteSelection', () => {
  it('$request.body.action', () => {
    const select = compileRouteSelection('$request.body.action')
    expect(select('{"action":"sendmessage","message":"hi"}')).toBe('sendmessage')
    expect(select('{"message":"hi"}')).toBe('')
    expect(select('  {"action":"join"}')).toBe('join')
  })

  it('nested paths', () => {
    const select = compileRouteSelection('$request.body.service.do')
    expect(select('{"service":{"do":"ping"}}')).toBe('ping')
    expect(select('{"service":"flat"}')).toBe('')
    expect(select('{"service":null}')).toBe('')
  })

  it('templates', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the gateway's own template syntax
    const select = compileRouteSelection('${request.body.service}/${request.body.action}')
    expect(select('{"service":"chat","action":"join"}')).toBe('chat/join')
    expect(select('{"action":"join"}')).toBe('/join')
  })

  it('non-string values are written as text', () => {
    const select = compileRouteSelection('$request.body.action')
    expect(select('{"action":7}')).toBe('7')
    expect(select('{"action":true}')).toBe('true')
    expect(select('{"action":{"a":1}}')).toBe('{"a":1}')
  })

  it('a body that is not a JSON object selects nothing ($default)', () => {
    const select = compileRouteSelection('$request.body.action')
    for (const body of ['hello', '', '"action"', '42', 'null', '{"action":', '[{"action":"x"}]']) {
      expect(select(body)).toBe('')
    }
  })

  it('only reads own properties, never the prototype chain', () => {
    const select = compileRouteSelection('$request.body.constructor.name')
    expect(select('{}')).toBe('')
    expect(compileRouteSelection('$request.body.__proto__')('{"a":1}')).toBe('')
  })

  it('refuses expressions the gateway would not evaluate', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the gateway's own template syntax
    for (const expression of ['$request.header.x', 'action', '$request.body', '${request.querystring.x}']) {
      expect(() => compileRouteSelection(expression)).toThrow(RouteSelectionError)
    }
  })
})

describe('selectRoute', () => {
  it('exact match, else $default', () => {
    const routes = new Set(['$connect', 'sendmessage'])
    expect(selectRoute('sendmessage', routes)).toBe('sendmessage')
    expect(selectRoute('SendMessage', routes)).toBe('$default')
    expect(selectRoute('', routes)).toBe('$default')
    expect(selectRoute('$connect', new Set(['$default']))).toBe('$default')
  })

  it('a frame cannot select $connect or $disconnect', () => {
    const routes = new Set(['$connect', '$disconnect', '$default'])
    expect(selectRoute('$connect', routes)).toBe('$default')
    expect(selectRoute('$disconnect', routes)).toBe('$default')
  })
})
