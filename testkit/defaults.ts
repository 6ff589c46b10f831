// Defaults shared by the event builders and the fake, so an event built without
// overrides describes the same client the fake reports in GetConnection.

/** TEST-NET-3 (RFC 5737): never a real client. */
export const DEFAULT_SOURCE_IP = '203.0.113.10'
