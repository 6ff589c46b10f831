import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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
// The runtimes' TZ default applies where the user has not set TZ: this suite runs unset.
const userTz = process.env.TZ
beforeEach(() => {
  delete process.env.TZ
})
afterEach(async () => {
  await Promise.all(loaded.splice(0).map((l) => l.release()))
  if (userTz === undefined) delete process.env.TZ
  else process.env.TZ = userTz
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

  it.skipIf(skip)('honours functionName, env, timeoutMs and memoryMb in the context', async () => {
    const [fn, plain] = await load(
      {
        exportName: 'describe',
        functionName: 'chat-describe',
        env: { GREETING: 'bonjour' },
        timeoutMs: 3000,
        memoryMb: 512,
      },
      { exportName: 'describe', functionName: 'plain' },
    )
    const outcome = await run(fn, {})
    expect(outcome.kind).toBe('ok')
    const value = (outcome as { value: Record<string, unknown> }).value
    expect(value.functionName).toBe('chat-describe')
    expect(value.greeting).toBe('bonjour')
    expect(value.remaining).toBeGreaterThan(2000)
    expect(value.remaining).toBeLessThanOrEqual(3000)
    expect(value.requestId).toMatch(/^[0-9a-f-]{36}$/)
    // A string, as both Lambda runtimes give it; 1024 when the function declares none.
    expect(value.memory).toBe('512')
    const other = await run(plain, {})
    expect((other as { value: Record<string, unknown> }).value.memory).toBe('1024')
  })

  it.skipIf(skip)('runs in UTC as Lambda does, unless the function sets TZ', async () => {
    const [utc] = await load({ exportName: 'describe', functionName: 'utc' })
    const outcome = await run(utc, {})
    expect((outcome as { value: unknown }).value).toMatchObject({ tz: ':UTC', utcOffset: 0 })
    await Promise.all(loaded.splice(0).map((l) => l.release()))
    const [own] = await load({ exportName: 'describe', functionName: 'own', env: { TZ: 'Asia/Kolkata' } })
    const mine = await run(own, {})
    expect((mine as { value: unknown }).value).toMatchObject({ tz: 'Asia/Kolkata', utcOffset: 19800 })
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
    const [fn, fields] = await load(
      { exportName: 'describe', functionName: 'describer', memoryMb: 512 },
      { exportName: 'context_fields', functionName: 'describer', memoryMb: 512, timeoutMs: 4000 },
    )
    const outcome = await run(fn, {})
    expect((outcome as { value: unknown }).value).toMatchObject({
      lambdaName: 'describer',
      region: 'eu-west-3',
      memoryEnv: '512',
    })
    const context = await run(fields, {})
    const value = (context as { value: Record<string, unknown> }).value
    expect(value).toEqual({
      aws_request_id: context.requestId,
      function_name: 'describer',
      function_version: '$LATEST',
      memory_limit_in_mb: '512',
      invoked_function_arn: 'arn:aws:lambda:eu-west-3:123456789012:function:describer',
      log_group_name: '/aws/lambda/describer',
      log_stream_name: expect.stringMatching(/^local\/\[\$LATEST\]\w+$/),
      remaining: expect.any(Number),
    })
    expect(value.remaining).toBeGreaterThan(0)
    expect(value.remaining).toBeLessThanOrEqual(4000)
  })

  it.each(['sys.exit', 'os._exit', 'SIGKILL'])(
    'what a handler printed before %s reaches the log with the death',
    async (how) => {
      const [fn] = await load({ exportName: 'last_words' })
      const outcome = await run(fn, { how })
      expect(outcome.kind).toBe('error')
      expect((outcome as { error: Error }).error.message).toBe(
        `Runtime exited with error: ${how === 'sys.exit' ? 'exit status 4' : how === 'os._exit' ? 'exit status 5' : 'signal SIGKILL'}`,
      )
      expect(outcome.output).toBe('before the end\nno newline')
    },
  )

  it('what a handler printed before its timeout reaches the log with the timeout', async () => {
    const [own, gateway] = await load(
      { exportName: 'print_then_sleep', timeoutMs: 1500 },
      { exportName: 'print_then_sleep' },
    )
    const timedOut = await run(own, { seconds: 30 })
    expect((timedOut as { error: Error }).error.message).toBe('Task timed out after 1.50 seconds')
    expect(timedOut.output).toBe('started\n')
    await run(gateway, { seconds: 0 }) // warm: the deadline below is the handler's
    const past = await run(gateway, { seconds: 30 }, 1500)
    expect(past.kind).toBe('timeout')
    expect(past.output).toBe('started\n')
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
})
