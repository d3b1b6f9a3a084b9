// Launches Debian's Chromium through playwright-core. Never downloads a browser: the machine's
// closed network refuses those downloads, and .ci/run installs the Debian package instead.
import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep Chromium off the network and quiet on this machine (see DEVELOPERS.md). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * `withBackForwardCache`: playwright turns the back/forward cache off by default
 * (--disable-back-forward-cache); tests of bfcache eligibility need it on.
 */
export async function launchChromium(
  extraArgs: string[] = [],
  { withBackForwardCache = false } = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run "apt-get install -y chromium" (.ci/run does)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    ignoreDefaultArgs: withBackForwardCache ? ['--disable-back-forward-cache'] : undefined,
  });
}
