import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCli, UsageError, withConfig } from '../../src/dev/cli-args.js'
import { parseDuration } from '../../src/dev/cli-flags.js'
import { loadConfig } from '../../src/dev/config.js'
import { startDev } from '../../src/dev/index.js'
import { connected } from './helpers.js'

describe('CLI arguments', () => {
  it('--parameter-overrides takes the Key=Value words after it, as sam local does', () => {
    const { options } = parseCli([
      'dev',
      '--template',
      't.yaml',
      '--parameter-overrides',
      'Stage=qa',
      'Prefix=x',
      'ParameterKey=Table,ParameterValue=t1',
      '--port',
      '0',
    ])
    expect(options.parameterOverrides).toEqual({ Stage: 'qa', Prefix: 'x', Table: 't1' })
    expect(options.entry).toBeUndefined()
    expect(options.port).toBe(0)
    // Repeated flags still add up; a word without '=' after them is not taken.
    const again = parseCli([
      'dev',
      'app.ts',
      '--parameter-overrides',
      'A=1',
      '--parameter-overrides',
      'B=2 C=3',
    ])
    expect(again.options.parameterOverrides).toEqual({ A: '1', B: '2', C: '3' })
    expect(again.options.entry).toBe('app.ts')
    expect(() => parseCli(['dev', '--parameter-overrides', 'novalue'])).toThrow(UsageError)
    // The = form takes the words after it too; a handler file is never taken as one.
    const inline = parseCli(['dev', '--template', 't.yaml', '--parameter-overrides=A=1', 'B=2'])
    expect(inline.options.parameterOverrides).toEqual({ A: '1', B: '2' })
    const file = parseCli(['dev', '--parameter-overrides', 'A=1', 'app=1.ts'])
    expect(file.options.parameterOverrides).toEqual({ A: '1' })
    expect(file.options.entry).toBe('app=1.ts')
  })

  it('maps flags to options', () => {
    const { options } = parseCli([
      'dev',
      'src/app.ts',
      '--port',
      '0',
      '--route',
      '$connect=src/connect.ts',
      '--route',
      'sendmessage',
      '--route-responses',
      'whoami,echo',
      '--idle-timeout',
      '30s',
      '--lifetime',
      '2h',
      '--integration-timeout',
      '500',
      '--http',
      'off',
      '--route-selection-expression',
      '$request.body.type',
      '--no-watch',
    ])
    expect(options).toEqual({
      entry: 'src/app.ts',
      port: 0,
      routes: { $connect: 'src/connect.ts', sendmessage: undefined },
      routeResponses: ['whoami', 'echo'],
      idleTimeoutMs: 30_000,
      lifetimeMs: 7_200_000,
      integrationTimeoutMs: 500,
      http: false,
      routeSelectionExpression: '$request.body.type',
      watch: false,
    })
    expect(parseCli(['dev', 'a.ts', '--route-responses', 'all']).options.routeResponses).toBe(true)
  })

  it('refuses what it cannot read', () => {
    expect(() => parseCli(['serve', 'a.ts'])).toThrow(UsageError)
    expect(() => parseCli(['dev', 'a.ts', '--port', '99999'])).toThrow(/invalid port/)
    expect(parseCli(['dev', 'a.ts', '--http-port', '3000']).options.httpPort).toBe(3000)
    expect(() => parseCli(['dev', 'a.ts', '--http-port', 'x'])).toThrow(/--http-port: invalid port/)
    expect(() => parseCli(['dev', 'a.ts', '--bogus'])).toThrow(UsageError)
    expect(() => parseDuration('10 minutes', '--idle-timeout')).toThrow(/expected a duration/)
    expect(parseDuration('10m', 'x')).toBe(600_000)
    // Past 2^31-1 ms Node fires a timer after 1 ms: refused, not silently shortened.
    expect(() => parseDuration('1000h', '--idle-timeout')).toThrow(
      /--idle-timeout must be at most 2147483647 ms/,
    )
    expect(parseDuration('2147483647', 'x')).toBe(2_147_483_647)
  })

  it('adds --route to the config file’s routes instead of replacing them', () => {
    const config = { entry: '/app.ts', routes: { $connect: '/connect.ts', ping: undefined }, port: 1 }
    const flags = parseCli([
      'dev',
      '--route',
      'sendmessage',
      '--route',
      'ping=/ping.ts',
      '--port',
      '0',
    ]).options
    expect(withConfig(config, flags)).toEqual({
      entry: '/app.ts',
      port: 0,
      routes: { $connect: '/connect.ts', ping: '/ping.ts', sendmessage: undefined },
    })
    expect(withConfig({}, flags).routes).toEqual(flags.routes)
    expect(withConfig(config, {}).routes).toEqual(config.routes)
  })
})

describe('config files', () => {
  it('resolves entries relative to the config file and runs them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-config-'))
    try {
      writeFileSync(
        join(dir, 'h.mjs'),
        `export const handler = async (e) => ({ statusCode: 200, body: 'cfg:' + e.body })\n`,
      )
      writeFileSync(
        join(dir, 'socketeer.json'),
        JSON.stringify({ entry: 'h.mjs', stage: 'qa', routeResponses: true, routes: { ping: '' } }),
      )
      const options = await loadConfig(join(dir, 'socketeer.json'))
      expect(options.entry).toBe(join(dir, 'h.mjs'))
      const dev = await startDev({ ...options, port: 0, watch: false, logger: false })
      try {
        expect(dev.gateway.url).toMatch(/\/qa$/)
        const c = await connected(dev.gateway.url)
        c.ws.send('{"action":"ping"}')
        expect((await c.next()).data).toBe('cfg:{"action":"ping"}')
      } finally {
        await dev.close()
      }
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ entry: 'h.mjs', prot: 1 }))
      await expect(loadConfig(join(dir, 'bad.json'))).rejects.toThrow(/unknown option "prot"/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
