import { describe, expect, it } from 'vitest'
import {
  DEV_INSTALL_COMMAND,
  DEV_PACKAGES,
  importDevPackage,
  missingDevPackages,
} from '../../src/dev/dev-packages.js'
import { MissingDevPackageError } from '../../src/dev/errors.js'

// The dev face's packages are dev dependencies of the user's project: a missing one is
// named in one line with the one command that installs them all.

describe('dev packages', () => {
  it('lists ws and tsx, installed with one documented command', () => {
    expect(DEV_PACKAGES).toEqual(expect.arrayContaining(['ws', 'tsx']))
    expect(DEV_INSTALL_COMMAND).toBe(`npm install -D ${DEV_PACKAGES.join(' ')}`)
  })

  it('turns a missing package into one line naming the install command', async () => {
    const name = 'socketeer-no-such-package'
    const error = await importDevPackage(name, () => import(name)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MissingDevPackageError)
    expect((error as Error).message).toBe(
      `socketeer dev needs ${name}, not installed here (dev dependencies, kept out of production installs): run \`${DEV_INSTALL_COMMAND}\``,
    )
    expect((error as Error).message).not.toContain('\n')
  })

  it('passes on any other failure, including a missing package that the package itself imports', async () => {
    const inner = Object.assign(new Error("Cannot find package 'left-pad' imported from /x/ws/index.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    await expect(importDevPackage('ws', () => Promise.reject(inner))).rejects.toBe(inner)
    const other = new SyntaxError('boom')
    await expect(importDevPackage('ws', () => Promise.reject(other))).rejects.toBe(other)
  })

  it('finds which listed packages do not resolve', () => {
    expect(missingDevPackages((s) => import.meta.resolve(s))).toEqual([])
    expect(
      missingDevPackages((s) => {
        if (s === 'tsx') throw new Error('not found')
      }),
    ).toEqual(['tsx'])
  })
})
