// ANSI colour for the CLI, on a terminal only. NO_COLOR (any non-empty value) turns it
// off and FORCE_COLOR (anything but 0/false) on, as https://no-color.org and Node agree.

export interface Paint {
  enabled: boolean
  bold(text: string): string
  dim(text: string): string
  red(text: string): string
  green(text: string): string
  yellow(text: string): string
  cyan(text: string): string
}

export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false'
  if (env.NO_COLOR) return false
  return stream.isTTY === true && env.TERM !== 'dumb'
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  }
}

/** A dev log line (`12:01:02.345 MESSAGE  route  id  200  3.1ms`) with its kind and status coloured. */
export function paintLogLine(line: string, p: Paint): string {
  if (!p.enabled) return line
  const [head = '', ...stack] = line.split('\n')
  const m = /^(\S+) (\S+)(.*)$/.exec(head)
  if (!m) return line
  const rest = m[3]!.replace(/ {2}([1-5]\d\d|10\d\d)(?= |$)/, (_all, code: string) => {
    const n = Number(code)
    // Close codes: 1000/1001 are normal ends; 1002+ are errors.
    const colour =
      n >= 1000 ? (n <= 1001 ? p.green : p.red) : n >= 500 ? p.red : n >= 400 ? p.yellow : p.green
    return `  ${colour(code)}`
  })
  const failed = /\bfailed\b/.test(rest)
  const out = `${p.dim(m[1]!)} ${p.cyan(m[2]!)}${failed ? p.red(rest) : rest}`
  return stack.length > 0 ? [out, ...stack.map((s) => p.dim(s))].join('\n') : out
}
