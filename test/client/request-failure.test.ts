import { describe, expect, it } from 'vitest'
import { App, AppError } from '../../src/index.js'
import { events, invokeSettled } from '../../testkit/index.js'

// The rule for a failed request (docs/client.md, "When a request fails"), where a Lambda
// user looks: the log's level and the invocation's outcome.

function appWith(lines: [string, string][], handler: () => unknown) {
  const log = (level: string) => (message: string) => lines.push([level, message])
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
  return new App({ logger }).webSocket('work', handler)
}

describe('a failed request, as Lambda sees it', () => {
  it('a crash: the error frame is posted, the error logged at level error, and the invocation fails', async () => {
    const lines: [string, string][] = []
    const boom = new Error('disk on fire')
    const event = events.message({ body: { action: 'work', id: 'q1' }, routeKey: 'work' })
    const { error, fake } = await invokeSettled(
      appWith(lines, () => {
        throw boom
      }),
      event,
    )
    expect(error).toBe(boom)
    expect(fake.receivedJSON(event.requestContext.connectionId)).toEqual([
      {
        $: 'error',
        id: 'q1',
        error: {
          code: 'internal',
          message: 'Internal server error',
          requestId: event.requestContext.requestId,
        },
      },
    ])
    expect(lines).toContainEqual(['error', 'handler failed'])
  })

  it('an AppError below 500 is an answer: posted, logged at info, and the invocation succeeds', async () => {
    const lines: [string, string][] = []
    const event = events.message({ body: { action: 'work', id: 'q2' }, routeKey: 'work' })
    const { error, result, fake } = await invokeSettled(
      appWith(lines, () => {
        throw new AppError('conflict', 'taken')
      }),
      event,
    )
    expect(error).toBeUndefined()
    expect(result).toMatchObject({ statusCode: 200 })
    expect(fake.receivedJSON(event.requestContext.connectionId)).toMatchObject([
      { $: 'error', id: 'q2', error: { code: 'conflict', message: 'taken' } },
    ])
    expect(lines.filter(([level]) => level === 'error')).toEqual([])
    expect(lines).toContainEqual(['info', 'request rejected'])
  })
})
