// Debian packages the benchmarks need (native Tesseract, its languages, fonts), installed with
// apt-get when missing and the bench runs as root; without root the caller does without.
import { execFileSync } from 'node:child_process';

/** Installs `packages` with apt-get (updating the package lists once if the first try fails). */
export function aptInstall(packages: string[]): boolean {
  if (packages.length === 0) return true;
  if (process.getuid?.() !== 0) return false;
  const list = packages.join(' ');
  try {
    execFileSync(
      'sh',
      ['-c', `apt-get install -y -qq ${list} >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq ${list})`],
      { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    );
    return true;
  } catch {
    return false;
  }
}
