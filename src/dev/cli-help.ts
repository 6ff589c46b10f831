import { FLAGS, type Flag, GLOBAL_FLAGS } from './cli-flags.js'

// The `socketeer --help` text: the prose by hand, the options laid out from the flag table.

function helpLines(flags: Array<Omit<Flag, 'apply'>>): string {
  const lefts = flags.map(
    (f) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`,
  )
  const width = Math.max(...lefts.map((l) => l.length)) + 2
  return flags
    .map((f, i) => {
      const [first, ...more] = f.help.split('\n')
      return [`  ${lefts[i]!.padEnd(width)}${first}`, ...more.map((m) => `  ${' '.repeat(width)}${m}`)].join(
        '\n',
      )
    })
    .join('\n')
}

export function usage(): string {
  return `Usage: socketeer dev [entry] [options]

Runs Lambda handlers behind a local API Gateway WebSocket API, with its
@connections API and HTTP routes on the same port. The entry is a module
(TypeScript or JavaScript) exporting \`handler\` (or a default export, or an App),
or a Python file with a \`handler\` function; \`file.ts#name\` / \`file.py#name\` picks
another; Lambda's \`module.fn\` handler string works too. Changes to the entry's
files reload the handlers without dropping connections. With no entry, a
serverless.yml or SAM template.yaml in the current folder is served.

Options:
${helpLines([...FLAGS, ...GLOBAL_FLAGS])}
`
}

/** The help text (built from the flag table). */
export const USAGE = usage()
