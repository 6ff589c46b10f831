// The variables the runtime reads, so a handler deployed by the construct needs no
// configuration; named once, in the runtime.
export { CONNECTIONS_TABLE_ENV } from '../connections/table.js'
export { MANAGEMENT_ENDPOINT_ENV } from '../env.js'
