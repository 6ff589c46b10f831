import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { devLogger, type LogFields } from '../../../src/dev/log.js'
import { invoke } from '../../../src/dev/runtime/invoke.js'
import { nodeRuntime } from '../../../src/dev/runtime/node.js'
import { pythonRuntime } from '../../../src/dev/runtime/python.js'
import type { EntrySpec, LoadedFunctions, Runtime, RuntimeHost } from '../../../src/dev/runtime/types.js'

// One suite for every runtime: the same handlers, written in each language, through
// the Runtime interface and the gateway's own invoke().

// Python workers start in seconds on a loaded machine.
vi.setConfig({ testTimeout: 60_000 })

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

const here = dirname(fileURLToPath(import.meta.url))
const python = spawnSync('python3', ['--version']).status === 0
if (!python) console.warn('SKIPPED: python runtime cases: python3 not found (apt-get install python3)')

const cases: Array<{ runtime: Runtime; file: string; skip: boolean }> = [
  { runtime: nodeRuntime(), file: join(here, 'fixtures/cases/cases.mjs'), skip: false },
  { runtime: pythonRuntime(), file: join(here, 'fixtures/cases/cases.py'), skip: !python },
]

const loaded: LoadedFunctions[] = []
afterEach(async () => {
  await Promise.all(loaded.splice(0).map((l) => l.release()))
})

describe.each(cases)('$runtime.name runtime', ({ runtime, file, skip }) => {
  const events: LogFields[] = []
  const host: RuntimeHost = {
    env: () => ({ AWS_REGION: 'eu-west-3' }),
    log: devLogger(undefined),
  }
  host.log = Object.assign((fields: LogFields) => events.push(fields), { subscribe: () => () => {} })
  const load = async (...specs: Array<Partial<EntrySpec>>) => {
    const out = await runtime.load(
      specs.map((s) => ({ file, runtime: runtime.name, ...s })),
      host,
    )
    loaded.push(out)
    return out.handlers
  }
  const run = (handler: any, event: unknown, timeoutMs = 20_000) =>
    invoke(handler, event, { timeoutMs, functionName: '$default' })

  it.skipIf(skip)('returns the handler’s result', async () => {
    const [echo] = await load({ exportName: 'echo' })
    const outcome = await run(echo, { body: 'hi' })
    expect(outcome).toMatchObject({ kind: 'ok', value: { statusCode: 200, body: 'hi' } })
  })

  it.skipIf(skip)('honours functionName, env and timeoutMs in the context', async () => {
    const [fn] = await load({
      exportName: 'describe',
      functionName: 'chat-describe',
      env: { GREETING: 'bonjour' },
      timeoutMs: 3000,
    })
    const outcome = await run(fn, {})
    expect(outcome.kind).toBe('ok')
    const value = (outcome as { value: Record<string, unknown> }).value
    expect(value.functionName).toBe('chat-describe')
    expect(value.greeting).toBe('bonjour')
    expect(value.remaining).toBeGreaterThan(2000)
    expect(value.remaining).toBeLessThanOrEqual(3000)
    expect(value.requestId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it.skipIf(skip)('a raised error is a failed invocation with its type and message', async () => {
    const [fail] = await load({ exportName: 'fail' })
    const outcome = await run(fail, { body: 'x' })
    expect(outcome.kind).toBe('error')
    const error = (outcome as { error: Error }).error
    expect(error.name).toBe(runtime.name === 'python' ? 'ValueError' : 'RangeError')
    expect(error.message).toBe('bad input: x')
    // The stack names the handler's own file.
    expect(error.stack).toContain(runtime.name === 'python' ? 'cases.py", line' : 'cases.mjs')
  })

  it.skipIf(skip)('the function’s own timeout fails the invocation as Lambda words it', async () => {
    const [slow] = await load({ exportName: 'slow', timeoutMs: 300 })
    const outcome = await run(slow, { seconds: 3 })
    expect(outcome.kind).toBe('error')
    expect(String((outcome as { error: Error }).error.message)).toBe('Task timed out after 0.30 seconds')
  })
})

describe.skipIf(!python)('python runtime: workers', () => {
  const events: LogFields[] = []
  const host: RuntimeHost = Object.assign(
    {},
    {
      env: () => ({ AWS_REGION: 'eu-west-3' }),
      log: Object.assign((fields: LogFields) => events.push(fields), { subscribe: () => () => {} }),
    },
  ) as RuntimeHost
  const file = join(here, 'fixtures/cases/cases.py')
  const load = async (...specs: Array<Partial<EntrySpec>>) => {
    const out = await pythonRuntime().load(
      specs.map((s) => ({ file, runtime: 'python' as const, ...s })),
      host,
    )
    loaded.push(out)
    return out.handlers
  }
  const run = (handler: any, event: unknown, timeoutMs = 20_000) =>
    invoke(handler, event, { timeoutMs, functionName: 'f' })

  it('captures print, stderr and logging per invocation, never on the protocol', async () => {
    const [chatty, fail] = await load({ exportName: 'chatty' }, { exportName: 'fail' })
    const outcome = await run(chatty, {})
    expect(outcome.kind).toBe('ok')
    expect(outcome.output).toContain('to stdout\n')
    expect(outcome.output).toContain('to stderr\n')
    expect(outcome.output).toMatch(/\[INFO\]\t\S+Z\t[0-9a-f-]{36}\tthrough logging/)
    const failed = await run(fail, { body: 1 })
    expect(failed.output).toBe('about to fail\n')
    expect((failed as { error: Error }).error.stack).toMatch(
      /ValueError: bad input: 1\n\s*File ".*cases\.py", line \d+, in fail/,
    )
  })

  it('the Lambda environment and context', async () => {
    const [fn] = await load({ exportName: 'describe', functionName: 'describer' })
    const outcome = await run(fn, {})
    expect((outcome as { value: unknown }).value).toMatchObject({
      lambdaName: 'describer',
      region: 'eu-west-3',
    })
  })

  it('a handler past the gateway deadline is stopped, and the next event gets a new worker', async () => {
    const [slow, , echoAgain] = await load(
      { exportName: 'slow' },
      { exportName: 'echo' },
      { exportName: 'slow' },
    )
    // Warm first: the deadline below is the handler's, not the worker's start.
    expect((await run(echoAgain, { seconds: 0 })).kind).toBe('ok')
    expect((await run(slow, { seconds: 0 })).kind).toBe('ok')
    const timedOut = await run(slow, { seconds: 30 }, 500)
    expect(timedOut.kind).toBe('timeout')
    await until(() => events.some((e) => /stopped the Python worker after \d+ms/.test(e.detail ?? '')))
    // The worker was killed (a sleeping one would hold the function for 30 s): the next event gets a new one.
    const next = await run(slow, { seconds: 0 })
    expect(next.kind).toBe('ok')
    expect(next.ms).toBeLessThan(20_000)
  })

  it('a worker that dies fails that invocation, is logged, and is replaced on the next event', async () => {
    const [die, echo] = await load({ exportName: 'die', functionName: 'dier' }, { exportName: 'echo' })
    const died = await run(die, {})
    expect(died.kind).toBe('error')
    expect((died as { error: Error }).error.message).toBe('Runtime exited with error: exit status 3')
    expect(
      events.some(
        (e) => e.detail === 'the Python worker exited (exit status 3); a new one starts on the next event',
      ),
    ).toBe(true)
    const again = await run(die, {})
    expect((again as { error: Error }).error.message).toBe('Runtime exited with error: exit status 3')
    expect((await run(echo, { body: 'still here' })).kind).toBe('ok')
  })

  it('a missing handler function fails each event with Runtime.HandlerNotFound', async () => {
    const dir = join(here, 'fixtures/cases')
    const out = await pythonRuntime().load(
      [{ file: join(dir, 'cases.py'), exportName: 'missing_function', runtime: 'python' }],
      host,
    )
    loaded.push(out)
    const outcome = await run(out.handlers[0], {})
    expect(outcome.kind).toBe('error')
    expect((outcome as { error: Error }).error.name).toBe('Runtime.HandlerNotFound')
    expect((outcome as { error: Error }).error.message).toBe(
      "Handler 'missing_function' missing on module 'cases'",
    )
  })

  it('a missing interpreter is one clear line', async () => {
    const out = await pythonRuntime({ python: '/nonexistent/python3' }).load(
      [{ file, exportName: 'echo', runtime: 'python' }],
      host,
    )
    loaded.push(out)
    const outcome = await run(out.handlers[0], {})
    expect((outcome as { error: Error }).error.message).toMatch(
      /^\/nonexistent\/python3 not found: Python 3\.8 or later is needed for \.py handlers/,
    )
  })
})
