// socketeer/testkit: event builders, the FakeStreamer, the invoke helper and the
// contract-fixture runner, for user tests. See docs/testing.md.

export type { HttpEventInput } from '../src/events/http.js'
export type { ApiInfo, ConnectionFacts } from '../src/events/websocket.js'
export type { CallOp, ExpectedCall, FakeCall } from './calls.js'
export { diffCalls } from './calls.js'
export { DEFAULT_SOURCE_IP } from './defaults.js'
export { CallAssertionError, TestkitError, UnexpectedCallError } from './errors.js'
export type { HandshakeOverrides, WebSocketEventOverrides } from './events.js'
export { defaultApi, events } from './events.js'
export type { ConnectionSetup, FakeStreamerOptions } from './fake-streamer.js'
export { FakeStreamer } from './fake-streamer.js'
export type { FaultSpec } from './faults.js'
export type { FixtureReport } from './fixtures/run.js'
export { assertFixture, runFixture } from './fixtures/run.js'
export { createFixtureApp } from './fixtures/setup.js'
export type { Fixture, FixtureConnection, FixtureExpectation, FixtureSetup } from './fixtures/types.js'
export type {
  InvokeOptions,
  InvokeResult,
  LambdaHandler,
  SettledInvocation,
  TestLambdaContext,
} from './invoke.js'
export { invoke, invokeSettled, lambdaContextFor } from './invoke.js'
