import { readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'

// The core entry (`socketeer`) is built as one file: every extra file a cold start
// resolves costs time. The faces (testkit, dev, cdk) are built separately, and they
// must not carry their own copies of the core's classes, or `instanceof GoneError`
// would fail across `socketeer` and `socketeer/testkit`. So a face imports every core
// module that defines public exports from `socketeer` itself (the package's
// self-reference, which resolves to the same dist/index file the user loads), and
// bundles only the internal helpers (event builders, the @connections model, ...),
// which carry no identity. A module that mixes public classes with internal exports
// would be half shared and half copied; the build refuses it rather than guess.

const FACE_DIRS = ['src/dev/', 'src/cdk/']

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

export function shareCore(root: string, coreEntry = 'src/index.ts'): Plugin {
  return {
    name: 'share-core',
    async setup(b) {
      const meta = await build({
        entryPoints: [resolve(root, coreEntry)],
        bundle: true,
        write: false,
        metafile: true,
        format: 'esm',
        platform: 'node',
        external: ['@aws-sdk/*'],
        logLevel: 'silent',
      })
      const publicNames = new Set(Object.values(meta.metafile.outputs)[0]?.exports ?? [])
      const verdicts = new Map<string, boolean>()
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        const path = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts')
        const rel = relative(root, path).split('\\').join('/')
        if (!rel.startsWith('src/') || FACE_DIRS.some((d) => rel.startsWith(d))) return undefined
        let shared = verdicts.get(rel)
        if (shared === undefined) {
          const names = await runtimeExports(path)
          const pub = names.filter((n) => publicNames.has(n))
          const mixed = pub.length > 0 && pub.length < names.length
          // Functions and constants have no identity: a mixed module of those is copied.
          const classes = [
            ...readFileSync(path, 'utf8').matchAll(/export\s+(?:abstract\s+)?class\s+([\w$]+)/g),
          ]
          const publicClasses = classes.map((m) => m[1] ?? '').filter((n) => publicNames.has(n))
          if (mixed && publicClasses.length > 0) {
            const internal = names.filter((n) => !publicNames.has(n))
            throw new Error(
              `${rel} mixes public classes (${publicClasses.join(', ')}) with internal exports (${internal.join(', ')}) ` +
                `and is imported by ${relative(root, args.importer)}: move the internal ones to their own module`,
            )
          }
          shared = pub.length > 0 && !mixed
          verdicts.set(rel, shared)
        }
        return shared ? { path: 'socketeer', external: true } : undefined
      })
    },
  }
}
