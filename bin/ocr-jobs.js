#!/usr/bin/env node
// `ocr-jobs`, the command line (src/client/cli.ts). In a fresh clone the project is built on
// first use, so `npm install && npx ocr-jobs …` works without a build step of its own.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const cli = join(root, 'dist', 'src', 'client', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('ocr-jobs: building the project once (npm run build)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) process.exit(1);
}
require(cli)
  .main()
  .catch((err) => {
    process.stderr.write(`ocr-jobs: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
