import { describe, expect, it } from 'vitest'
import { assertFixture } from '../testkit/index.js'
import { compileSchema, loadFixtures } from './load.js'

// Runs every contract fixture against the App with the strict FakeStreamer. A fixture
// passes only if it is valid against the schema and its result, error, calls (strictly,
// in order) and connection states all match.

const validate = compileSchema()
const fixtures = loadFixtures()

describe('contract fixtures', () => {
  it('there are at least 30, with unique names equal to their file names', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30)
    for (const { file, fixture } of fixtures) expect(`${fixture.name}.json`).toBe(file)
  })

  for (const { file, fixture } of fixtures) {
    it(`${file}: ${fixture.description}`, async () => {
      if (!validate(fixture)) {
        throw new Error(
          `${file} does not match fixture.schema.json:\n${JSON.stringify(validate.errors, null, 2)}`,
        )
      }
      await assertFixture(fixture)
    })
  }
})
