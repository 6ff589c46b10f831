// socketeer/testkit: event builders, the FakeStreamer and the invoke helper for user tests.

export { events, defaultApi } from './events.js'
export type { WebSocketEventOverrides } from './events.js'
export type { HttpEventInput } from '../src/events/http.js'
export type { ApiInfo, ConnectionFacts } from '../src/events/websocket.js'
