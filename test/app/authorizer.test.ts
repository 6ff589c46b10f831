import { describe, expect, it } from 'vitest'
import { AppError, AuthorizerFailedError } from '../../src/index.js'
import { sample } from '../events/samples/index.js'
import { harness } from './helpers.js'

// The $connect REQUEST authorizer (semantics page, section 6): Allow, 401 (fail with
// "Unauthorized"), 403 (a Deny policy), 500 (any other failure).

const methodArn = 'arn:aws:execute-api:ap-northeast-1:123456789012:dl7ptocha9/prod/$connect'

async function reason(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  )
}

describe('authorizer', () => {
  it('Allow: an IAM policy on the $connect ARN, with the context that later events will carry', async () => {
    const { app } = harness()
    app.authorizer((ctx, event) => {
      expect(event.queryStringParameters?.token).toBe('secret-token')
      expect(ctx.requestId).toBe('R1kmxFn0NjMFpjw=')
      return { principalId: 'user-42', context: { tenant: 'acme', admin: false, level: 3 } }
    })
    expect(await app.handler(sample('authorizer-request'))).toStrictEqual({
      principalId: 'user-42',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }],
      },
      context: { tenant: 'acme', admin: false, level: 3 },
    })
  })

  it('a full policy returned by the handler passes through', async () => {
    const { app } = harness()
    const policy = {
      principalId: 'svc',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
      },
    }
    app.authorizer(() => policy)
    expect(await app.handler(sample('authorizer-request'))).toBe(policy)
  })

  it('ctx.reject(401): the invocation fails with exactly "Unauthorized", which API Gateway turns into 401', async () => {
    const { app, logs } = harness()
    app.authorizer((ctx) => ctx.reject(401))
    const error = await reason(app.handler(sample('authorizer-request')))
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('Unauthorized')
    // An expected refusal is not logged as a failure.
    expect(logs.filter((l) => l.level === 'error')).toStrictEqual([])
  })

  it('an AppError("unauthorized") or an error whose message is exactly "Unauthorized" is 401 too', async () => {
    for (const refuse of [
      () => {
        throw new AppError('unauthorized', 'token expired')
      },
      () => Promise.reject(new Error('Unauthorized')),
    ]) {
      const { app, logs } = harness()
      app.authorizer(refuse)
      const error = await reason(app.handler(sample('authorizer-request')))
      expect((error as Error).message).toBe('Unauthorized')
      expect(logs.filter((l) => l.level === 'error')).toStrictEqual([])
    }
  })

  it('any other thrown error (a bug) fails with another message, which API Gateway answers with 500, and is logged', async () => {
    for (const bug of [
      () => {
        throw new Error('jwks fetch failed')
      },
      () => {
        throw new AppError('unavailable')
      },
      () => {
        throw new TypeError("Cannot read properties of undefined (reading 'sub')")
      },
    ]) {
      const { app, logs } = harness()
      app.authorizer(bug)
      const error = await reason(app.handler(sample('authorizer-request')))
      expect(error).toBeInstanceOf(AuthorizerFailedError)
      expect((error as Error).message).not.toBe('Unauthorized')
      expect(logs).toStrictEqual([
        expect.objectContaining({
          level: 'error',
          message: 'authorizer failed',
          requestId: 'R1kmxFn0NjMFpjw=',
        }),
      ])
    }
  })

  it('ctx.reject(403) or a forbidden AppError: a Deny policy, which API Gateway turns into 403', async () => {
    for (const refuse of [(ctx: any) => ctx.reject(403), () => Promise.reject(new AppError('forbidden'))]) {
      const { app } = harness()
      app.authorizer(refuse)
      expect(await app.handler(sample('authorizer-request'))).toStrictEqual({
        principalId: 'denied',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: methodArn }],
        },
      })
    }
  })

  it('a decision without a principalId refuses (500: a malformed result) rather than allowing by accident', async () => {
    for (const decision of [undefined, null, {}, { principalId: 42 }, 'yes', true]) {
      const { app, logs } = harness()
      app.authorizer(() => decision)
      const error = await reason(app.handler(sample('authorizer-request')))
      expect(error).toBeInstanceOf(AuthorizerFailedError)
      expect(logs.some((l) => l.level === 'error')).toBe(true)
    }
  })

  it('an authorizer event is never run as $connect, and fails clearly when no authorizer is registered', async () => {
    const { app } = harness()
    let connectRan = false
    app.webSocket('$connect', () => {
      connectRan = true
    })
    const error = await reason(app.handler(sample('authorizer-request')))
    expect(connectRan).toBe(false)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('unknown_event')
    expect((error as Error).message).toMatch(/no app.authorizer\(\) is registered/)
  })

  it('app middleware does not run around the authorizer (it is not a route); asWebSocket() is refused there', async () => {
    const { app } = harness()
    let used = false
    app.use(async (_ctx, next) => {
      used = true
      return next()
    })
    let error: unknown
    app.authorizer((ctx) => {
      try {
        ctx.asWebSocket()
      } catch (e) {
        error = e
      }
      return { principalId: 'p' }
    })
    await app.handler(sample('authorizer-request'))
    expect(used).toBe(false)
    expect((error as AppError).code).toBe('not_websocket')
  })
})
