import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Ajv2020 from 'ajv/dist/2020.js'
import type { Fixture } from '../testkit/index.js'

// Loads the contract fixtures and the JSON Schema that governs them. The schema is
// checked with ajv in strict mode, so a typo in the schema itself fails too.

export const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url))
const SCHEMA_PATH = fileURLToPath(new URL('./fixture.schema.json', import.meta.url))

export const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'))

export function compileSchema() {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true })
  return ajv.compile<Fixture>(schema)
}

export interface LoadedFixture {
  file: string
  fixture: Fixture
}

export function loadFixtures(): LoadedFixture[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, fixture: JSON.parse(readFileSync(`${FIXTURES_DIR}${file}`, 'utf8')) as Fixture }))
}
