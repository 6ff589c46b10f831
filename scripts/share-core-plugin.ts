import { readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'

// The core entry (`socketeer`) is built as one file: every extra file a cold start
// resolves costs time. The faces (testkit, dev, cdk) are built separately, and they
// must not carry their own copies of the core's classes, or `instanceof GoneError`
// would fail across `socketeer` and `socketeer/testkit`. So when a face imports a core
// module whose exports are public, the import becomes one of `socketeer` itself (the
// package's self-reference: the same dist/index file the user loads). Internal helpers
// are copied into the face, but only those listed as safe to copy: a copy has its own
// module state, which is harmless for a pure function or a lookup cache and wrong for,
// say, a WeakMap the core reads. Anything in between fails the build, never guesses.

export interface ShareCoreOptions {
  /** The core's barrel: only `export { a, b } from './m.js'` and `export type` lines. */
  coreEntry?: string
  /** Folders (relative to the root) that hold face code rather than core code. */
  faceDirs?: string[]
  /** Core modules (relative to the root) that faces may copy: no state that must be shared. */
  copyable?: RegExp[]
}

const DEFAULTS: Required<ShareCoreOptions> = {
  coreEntry: 'src/index.ts',
  faceDirs: ['src/dev/', 'src/cdk/', 'src/dynamodb/', 'src/client/'],
  copyable: [
    // Builders, parsers and pure rules; ids.ts keeps a pool of random bytes.
    /^src\/events\/(ids|hosts|websocket|authorizer|http|proxy-result|maps)\.ts$/,
    // Each gateway and fake makes its own model instance.
    /^src\/management\/(model|wire)\.ts$/,
    /^src\/websocket\/(route-selection|errors)\.ts$/,
    /^src\/app\/(integration|routes|cors-rules|streamer-scope)\.ts$/,
    // The DynamoDB store lives only in socketeer/dynamodb (its SDK cache with it).
    /^src\/connections\/(dynamo|dynamo-calls|dynamo-client|dynamo-groups|dynamo-held|dynamo-records|keys|record)\.ts$/,
    // Held-message rules: pure, and nextSeq's random tail keeps two copies' keys apart.
    /^src\/connections\/held\.ts$/,
    /^src\/streamer\/validate\.ts$/,
    // The client wire format: constants and pure functions (the browser bundle carries it).
    /^src\/protocol\/frames\.ts$/,
    // transport/local keeps its registry on globalThis, for exactly this reason.
    /^src\/streamer\/transport\/(classify|local)\.ts$/,
    // A class with no module state.
    /^src\/streamer\/lru\.ts$/,
  ],
}

// What a module exports at run time: esbuild erases every type-only export.
async function runtimeExports(file: string): Promise<string[]> {
  const out = await build({
    entryPoints: [file],
    bundle: false,
    write: false,
    metafile: true,
    format: 'esm',
    logLevel: 'silent',
  })
  return Object.values(out.metafile.outputs)[0]?.exports ?? []
}

/** module file → the names the barrel re-exports from it, unrenamed. */
export async function publicExports(barrel: string): Promise<Map<string, Set<string>>> {
  const source = readFileSync(barrel, 'utf8')
  const byFile = new Map<string, Set<string>>()
  const listed = new Set<string>()
  for (const m of source.matchAll(/export\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    const file = resolve(dirname(barrel), m[2] ?? '').replace(/\.js$/, '.ts')
    for (const part of (m[1] ?? '').split(',')) {
      const name = part.trim()
      if (name === '' || name.startsWith('type ')) continue
      if (/\s/.test(name)) throw new Error(`${barrel}: re-export "${name}" is renamed; faces import by name`)
      const names = byFile.get(file) ?? new Set<string>()
      names.add(name)
      byFile.set(file, names)
      listed.add(name)
    }
  }
  // Anything else the barrel exports at run time (a local definition, `export *`)
  // would escape the map above.
  const actual = await runtimeExports(barrel)
  const unlisted = actual.filter((n) => !listed.has(n))
  if (unlisted.length > 0 || actual.length !== listed.size) {
    throw new Error(`${barrel}: every runtime export must be an \`export { … } from\` line; not: ${unlisted}`)
  }
  return byFile
}

export function shareCore(root: string, options: ShareCoreOptions = {}): Plugin {
  const { coreEntry, faceDirs, copyable } = { ...DEFAULTS, ...options }
  return {
    name: 'share-core',
    async setup(b) {
      const pub = await publicExports(resolve(root, coreEntry))
      const verdicts = new Map<string, 'share' | 'copy'>()
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        const path = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts')
        const rel = relative(root, path).split('\\').join('/')
        if (!rel.startsWith('src/') || faceDirs.some((d) => rel.startsWith(d))) return undefined
        let verdict = verdicts.get(rel)
        if (verdict === undefined) {
          const names = await runtimeExports(path)
          const shared = pub.get(path) ?? new Set<string>()
          const internal = names.filter((n) => !shared.has(n))
          const from = relative(root, args.importer)
          if (shared.size > 0 && internal.length > 0) {
            throw new Error(
              `${rel} (imported by ${from}) mixes public exports (${[...shared]}) with internal ones ` +
                `(${internal}): move the internal ones to their own module`,
            )
          }
          if (shared.size === 0 && !copyable.some((re) => re.test(rel))) {
            throw new Error(
              `${rel} (imported by ${from}) is internal and not listed as copyable: list it in ` +
                'scripts/share-core-plugin.ts if a second copy of its module state is harmless',
            )
          }
          verdict = shared.size > 0 ? 'share' : 'copy'
          verdicts.set(rel, verdict)
        }
        return verdict === 'share' ? { path: 'socketeer', external: true } : undefined
      })
    },
  }
}
