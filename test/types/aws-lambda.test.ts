import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyWebsocketEventV2,
  Context as AwsContext,
  Handler,
} from 'aws-lambda'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { App } from '../../src/index.js'
import { sample } from '../events/samples/index.js'

// Events typed with @types/aws-lambda, run through app.handler the way the Lambda
// runtime calls a Handler. The type-level checks are in aws-lambda.ts.

const app = new App({ logLevel: 'silent' })
app.webSocket('$default', (ctx) => ({ echo: ctx.asWebSocket().json() }))
app.get('/posts/:id/comments', (ctx) => ({ id: ctx.req.params.id }))

describe('@types/aws-lambda compatibility', () => {
  it('the handler keeps its (event, context) => Promise shape', () => {
    expectTypeOf(app.handler).parameter(0).toEqualTypeOf<unknown>()
    expectTypeOf(app.handler).returns.resolves.toBeAny()
    expect(app.handler.length).toBe(2)
  })

  it('runs events typed as @types/aws-lambda shapes', async () => {
    const ws: APIGatewayProxyWebsocketEventV2 = sample('ws-message')
    const http: APIGatewayProxyEventV2 = sample('http-v2')
    const rest: APIGatewayProxyEvent = sample('rest-v1')
    rest.httpMethod = 'GET'
    const ctx = { awsRequestId: 'x', getRemainingTimeInMillis: () => 1000 } as unknown as AwsContext
    // Called the way the Lambda runtime calls a Handler: (event, context, callback).
    const asLambda = app.handler as unknown as Handler
    const callback = () => {
      throw new Error('the callback is never used')
    }
    await expect(asLambda(ws, ctx, callback)).resolves.toStrictEqual({
      statusCode: 200,
      body: '{"echo":{"action":"sendmessage","message":"hi"}}',
    })
    await expect(asLambda(http, ctx, callback)).resolves.toMatchObject({
      statusCode: 200,
      body: '{"id":"42"}',
    })
    await expect(asLambda(rest, ctx, callback)).resolves.toMatchObject({
      statusCode: 200,
      body: '{"id":"42"}',
    })
  })
})
