import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

// Debian's chromium, driven by playwright-core (no browser is ever downloaded), with the
// same flags for every browser test.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Whether Chromium is here; when not, says which test is skipped and how to install it. */
export function chromiumPresent(what: string): boolean {
  const present = existsSync(CHROMIUM)
  if (!present) console.warn(`SKIPPED: ${what}: no Chromium at ${CHROMIUM} (apt-get install chromium)`)
  return present
}

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      ...extraArgs,
    ],
    timeout: 30_000,
  })
}
