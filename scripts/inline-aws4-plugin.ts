import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import type { Plugin } from 'esbuild'

// The SigV4 signer (`aws4`) is CommonJS and `require`s Node's `crypto`, `querystring`
// and `url`. Left as a dependency, a user who bundles an App to ESM (esbuild, format esm,
// as CDK's NodejsFunction can) gets esbuild's "Dynamic require of crypto is not
// supported" on the first send. So socketeer's own build carries aws4, and each of those
// `require`s becomes `process.getBuiltinModule(...)` (Node >= 20.16): synchronous, the
// same in ESM and CommonJS, bundled or not, invisible to every bundler, and run only
// when aws4 itself first runs, so importing socketeer still loads no `node:crypto`
// (about 10 ms). A static ESM import would hoist it to the top of the file instead.
// aws4's MIT notice travels with its code as a legal comment (`/*! ... */`), which
// esbuild and the usual minifiers keep, and in full in THIRD-PARTY-NOTICES.md.

const req = createRequire(import.meta.url)
const BUILTINS = /^(node:)?(crypto|querystring|url)$/
const NS = 'aws4-builtin'
// One loader for the three, so its message is carried once. Before Node 20.16 it hands
// aws4 a stand-in that throws when used (at the first signature), not while aws4 loads:
// a bundled CommonJS module that throws while loading stays cached half-made, and the
// next attempt would meet `sign is not a function` instead of this message. A TypeError,
// as calling the missing function would give: the streamer does not retry it.
const LOADER = `module.exports = (id) => typeof process.getBuiltinModule === 'function'
  ? process.getBuiltinModule('node:' + id)
  : new Proxy({}, { get() {
      throw new TypeError('socketeer signs @connections requests with Node.js >= 20.16 (process.getBuiltinModule); this is ' + process.version)
    } })
`

/** aws4's own folder, found the way the build resolves it. */
function aws4Dir(): string {
  return dirname(req.resolve('aws4/package.json'))
}

export function inlineAws4(): Plugin {
  const dir = aws4Dir()
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    version: string
    license: string
  }
  const inAws4 = (file: string) => file.startsWith(dir + sep)
  return {
    name: 'inline-aws4',
    setup(b) {
      b.onResolve({ filter: BUILTINS }, (args) =>
        inAws4(args.importer) ? { path: args.path.replace(/^node:/, ''), namespace: NS } : undefined,
      )
      b.onResolve({ filter: /^aws4-builtin$/ }, (args) =>
        args.namespace === NS ? { path: 'builtin', namespace: NS } : undefined,
      )
      b.onLoad({ filter: /.*/, namespace: NS }, (args) => ({
        contents:
          args.path === 'builtin' ? LOADER : `module.exports = require('aws4-builtin')('${args.path}')\n`,
        loader: 'js',
      }))
      b.onLoad({ filter: /[\\/]aws4\.js$/ }, (args) => {
        if (!inAws4(args.path)) return undefined
        const notice = `/*! aws4 ${pkg.version} | ${pkg.license} License | Copyright 2013 Michael Hart | https://github.com/mhart/aws4 | full text: socketeer's THIRD-PARTY-NOTICES.md */\n`
        return { contents: notice + readFileSync(args.path, 'utf8'), loader: 'js' }
      })
    },
  }
}
