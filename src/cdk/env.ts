import { CONNECTIONS_TABLE_ENV } from '../connections/table.js'

// The variables the runtime reads, so a handler deployed by the construct needs no
// configuration. The table's name comes from the connections module, which owns it.
// The App reads the endpoint variable by this literal name (src/app/app.ts); a test
// in test/cdk pins the two together.

export const MANAGEMENT_ENDPOINT_ENV = 'SOCKETEER_MANAGEMENT_ENDPOINT'
export { CONNECTIONS_TABLE_ENV }
