import { MissingDevPackageError } from './errors.js'

// The packages the dev face (the local gateway, `socketeer dev`) needs. None of them may
// reach a production install: they are optional peer dependencies of socketeer and dev
// dependencies of the user's project, installed with the one command below. The dev face
// imports each one lazily through `importDevPackage`, so `socketeer/dev` itself loads
// without them and a missing one is named with the command that installs it.
//
// Add a package the dev face comes to need HERE (and to package.json's devDependencies and
// optional peerDependencies); the docs quote DEV_INSTALL_COMMAND.

export const DEV_PACKAGES: string[] = ['ws', 'tsx']

/** The one install command for the dev face, as docs/getting-started.md gives it. */
export const DEV_INSTALL_COMMAND = `npm install -D ${DEV_PACKAGES.join(' ')}`

function isMissing(error: unknown, name: string): boolean {
  const e = error as { code?: string; message?: string } | null
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return false
  // The package itself, not something it imports in turn.
  return new RegExp(`'${name}(/[^']*)?'`).test(e.message ?? '')
}

/** `load` imports `name` (a literal `import('name')`); a missing package becomes the one-line error. */
export async function importDevPackage<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (isMissing(error, name))
      throw new MissingDevPackageError([name], DEV_INSTALL_COMMAND, { cause: error })
    throw error
  }
}

/** The listed packages that do not resolve from here (the CLI checks them all before starting). */
export function missingDevPackages(resolve: (specifier: string) => unknown): string[] {
  return DEV_PACKAGES.filter((name) => {
    try {
      resolve(name)
      return false
    } catch {
      return true
    }
  })
}
