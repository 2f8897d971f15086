// Chromium for the console tests: Debian's `chromium` package, driven by playwright-core. Without it
// the browser tests are skipped with a warning — except under CI=true, where they fail loudly.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

export function chromiumPath(): string | undefined {
  const configured = process.env.TML_CHROMIUM;
  if (configured !== undefined && configured !== '') return configured;
  return CANDIDATES.find((path) => existsSync(path));
}

/** Why the browser tests cannot run here (undefined: they can); throws under CI=true. */
export function browserMissing(): string | undefined {
  if (chromiumPath() !== undefined) return undefined;
  const message =
    'Chromium is not installed (apt-get install chromium, or set TML_CHROMIUM): the console browser tests need it';
  if (process.env.CI === 'true') throw new Error(`FATAL under CI=true: ${message}`);
  console.warn(`WARNING: ${message}; skipped`);
  return message;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    // containers run as root without user namespaces: Chromium's sandbox cannot start there
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
