// Errors of the dev face that reach the user as one line each (the CLI prints the
// message alone, exit code 2); the stack only matters with --verbose.

/** A mistake on the command line or in the config file: the message says what to do. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError'
}

/** A package the dev face needs is not installed (it is a dev dependency, never a production one). */
export class MissingDevPackageError extends UsageError {
  override readonly name = 'MissingDevPackageError'
  constructor(
    readonly packages: string[],
    installCommand: string,
    options?: ErrorOptions,
  ) {
    super(
      `socketeer dev needs ${packages.join(' and ')}, not installed here (dev dependencies, kept out of production installs): run \`${installCommand}\``,
      options,
    )
  }
}

/** A gateway option out of range (thrown by startGateway; the CLI reports it as a usage error). */
export class GatewayOptionError extends TypeError {
  override readonly name = 'GatewayOptionError'
}

/** A handler entry that failed to load (a syntax error, a throw at import). */
export class EntryLoadError extends Error {
  override readonly name = 'EntryLoadError'
  constructor(
    message: string,
    /** The files the load had reached: what to watch for the fix. */
    readonly files: string[],
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}
