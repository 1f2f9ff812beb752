import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/paths';

let binary: string | undefined;

/** The Chromium binary: $CHROMIUM_BIN, else what scripts/chromium.sh finds or installs (Debian's `chromium`, once per machine). */
export function chromiumBinary(): string {
  binary ??=
    process.env.CHROMIUM_BIN ||
    execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts/chromium.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  return binary;
}

/** A headless Chromium driven by playwright-core (no browser download: the system's own). */
export function launchChromium(): Promise<Browser> {
  // Tests often run as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumBinary(), args: ['--no-sandbox'] });
}
