import { afterEach, describe, expect, it } from 'vitest'
import { holdEnv, holdProcessEnv, holdVars } from '../../../src/dev/runtime/env.js'

// The one rule for what handlers in the gateway's process see in process.env: the
// gateway's defaults, a project file's environment, a function's own.

const NAME = 'SOCKETEER_TEST_ENV_RULE'
const OTHER = 'SOCKETEER_TEST_ENV_OTHER'
afterEach(() => {
  delete process.env[NAME]
  delete process.env[OTHER]
})

describe('process.env holds', () => {
  it('a default fills an unset variable and leaves the user’s value; release puts back what was', () => {
    const release = holdProcessEnv({ [NAME]: 'gateway' })
    expect(process.env[NAME]).toBe('gateway')
    release()
    expect(process.env[NAME]).toBeUndefined()

    process.env[NAME] = 'mine'
    const again = holdProcessEnv({ [NAME]: 'gateway' })
    expect(process.env[NAME]).toBe('mine')
    again()
    expect(process.env[NAME]).toBe('mine')
  })

  it('the first default stays while it is held, whatever the release order', () => {
    const first = holdProcessEnv({ [NAME]: 'one' })
    const second = holdProcessEnv({ [NAME]: 'two' })
    expect(process.env[NAME]).toBe('one')
    first()
    expect(process.env[NAME]).toBe('two')
    second()
    expect(process.env[NAME]).toBeUndefined()
  })

  it('an override wins over the user’s value and the latest override over earlier ones', () => {
    process.env[NAME] = 'mine'
    const old = holdVars({ [NAME]: 'v1' }, 'override')
    expect(process.env[NAME]).toBe('v1')
    const reloaded = holdVars({ [NAME]: 'v2' }, 'override') // a reload holds before it releases
    expect(process.env[NAME]).toBe('v2')
    old()
    expect(process.env[NAME]).toBe('v2')
    reloaded()
    expect(process.env[NAME]).toBe('mine')
  })

  it('an override over a default, and the default again after it', () => {
    const gateway = holdProcessEnv({ [NAME]: 'gateway' })
    const project = holdVars({ [NAME]: 'project' }, 'override')
    expect(process.env[NAME]).toBe('project')
    project()
    expect(process.env[NAME]).toBe('gateway')
    gateway()
    expect(process.env[NAME]).toBeUndefined()
  })

  it('a value someone else writes while held is theirs and stays after release', () => {
    const release = holdProcessEnv({ [NAME]: 'gateway' })
    process.env[NAME] = 'handler wrote this'
    release()
    expect(process.env[NAME]).toBe('handler wrote this')
  })

  it('holdEnv replaces its values and names what changed', () => {
    process.env[OTHER] = 'shell'
    const hold = holdEnv({ [NAME]: 'a', [OTHER]: 'project' })
    expect([process.env[NAME], process.env[OTHER]]).toEqual(['a', 'project'])
    expect(hold.set({ [NAME]: 'b' }).sort()).toEqual([NAME, OTHER].sort())
    expect([process.env[NAME], process.env[OTHER]]).toEqual(['b', 'shell'])
    expect(hold.set({ [NAME]: 'b' })).toEqual([])
    hold.release()
    expect([process.env[NAME], process.env[OTHER]]).toEqual([undefined, 'shell'])
  })
})
