// `npm run temporal`: only the Temporal dev server, as `npm start` would run it.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { devServerArgs, findTemporalCli } from '../temporal/cli';

const config = loadConfigOrExit();
const logger = createLogger('temporal', config.logLevel);

function main(): void {
  mkdirSync(config.dataDir, { recursive: true });
  const args = devServerArgs({
    port: config.temporal.devPort,
    uiPort: config.temporal.uiPort,
    namespace: config.temporal.namespace,
    dbFile: config.temporal.dbFile,
  });
  logger.info({ port: config.temporal.devPort, ui: config.temporal.uiUrl, db: config.temporal.dbFile }, 'starting Temporal dev server');
  const child = spawn(findTemporalCli(), args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

try {
  main();
} catch (err) {
  logger.fatal({ err }, 'could not start the Temporal dev server');
  process.exit(1);
}
