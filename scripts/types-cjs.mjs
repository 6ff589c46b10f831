// The declarations tsc writes to dist/types/esm (tsconfig.types.json) are read as ESM,
// since the package is "type": "module". A CommonJS consumer (the `require` condition,
// node10's typesVersions) needs the same files read as CommonJS, or TypeScript reports
// an ES module it cannot require: the same tree, copied beside a package.json that says so.
import { cpSync, rmSync, writeFileSync } from 'node:fs'

const esm = new URL('../dist/types/esm/', import.meta.url)
const cjs = new URL('../dist/types/cjs/', import.meta.url)
rmSync(cjs, { recursive: true, force: true })
cpSync(esm, cjs, { recursive: true })
writeFileSync(new URL('package.json', cjs), '{ "type": "commonjs" }\n')
