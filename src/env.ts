// The environment variables socketeer reads, named once. The CDK construct sets them so
// a deployed handler needs no configuration; the local gateway needs none of them.

/** Overrides the @connections endpoint derived from each event. */
export const MANAGEMENT_ENDPOINT_ENV = 'SOCKETEER_MANAGEMENT_ENDPOINT'

// CONNECTIONS_TABLE_ENV lives beside the table definition (connections/table.ts).
