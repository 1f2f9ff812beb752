// `npm run temporal`: only the Temporal dev server. `npm start` runs its server through this
// script too, which stops the server when the supervisor is gone.
import { mkdirSync } from 'node:fs';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { devServerArgs, findTemporalCli } from '../temporal/cli';
import { stopTimeoutMs } from './lifeline';
import { runTethered } from './tether';

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
  runTethered(findTemporalCli(), args, stopTimeoutMs(config));
}

try {
  main();
} catch (err) {
  logger.fatal({ err }, 'could not start the Temporal dev server');
  process.exit(1);
}
