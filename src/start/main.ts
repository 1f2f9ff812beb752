// `npm start`: the whole service as one supervised process tree. Without TEMPORAL_ADDRESS it
// runs an embedded Temporal dev server (state in DATA_DIR/temporal.db, Web UI on
// TEMPORAL_UI_PORT); with it, only the worker and the API, against that server.
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { readTenants, TenantsFileError } from '../auth/tenantsFile';
import { exposureProblem, loadConfigOrExit } from '../config';
import { webhookSecret } from '../notify/webhookSecret';
import { createLogger } from '../logger';
import { findTemporalCli } from '../temporal/cli';
import { retryUntilReachable } from '../temporal/retry';
import { prepareNamespace } from '../temporal/setup';
import { stopTimeoutMs } from './lifeline';
import { takenPortMessage, takenPorts, type PortUse } from './ports';
import { Supervisor } from './supervisor';

const config = loadConfigOrExit();
const logger = createLogger('supervisor', config.logLevel);
const supervisor = new Supervisor(logger, stopTimeoutMs(config));

async function main(): Promise<void> {
  let stopping: Promise<void> | null = null;
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping the service');
    stopping ??= supervisor.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('exit', () => supervisor.killAll());

  // What would stop the API at every restart stops the start instead, once, saying why.
  const exposed = exposureProblem(config);
  if (exposed) {
    logger.fatal(exposed);
    process.exit(2);
  }
  if (config.auth.tenantsFile !== undefined) {
    try {
      await readTenants(config.auth.tenantsFile);
    } catch (err) {
      if (!(err instanceof TenantsFileError)) throw err;
      // Like a bad setting: plain lines on stderr, one per problem.
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
  }

  const signing = await webhookSecret(config);
  if (signing.file) {
    logger.info({ file: signing.file }, signing.generated ? 'webhook secret generated and kept' : 'webhook secret read');
  }

  // A taken port would make a process fail over and over; say which setting to change instead.
  const ports: PortUse[] = [{ port: config.port, host: config.host, setting: 'PORT' }];
  if (config.temporal.embedded) {
    ports.push({ port: config.temporal.devPort, host: '127.0.0.1', setting: 'TEMPORAL_DEV_PORT' });
    ports.push({ port: config.temporal.uiPort, host: '127.0.0.1', setting: 'TEMPORAL_UI_PORT' });
  }
  const taken = await takenPorts(ports);
  if (taken.length) {
    for (const use of taken) logger.fatal(takenPortMessage(use));
    process.exit(1);
  }

  const node = process.execPath;
  const env: NodeJS.ProcessEnv = { DATA_DIR: config.dataDir };
  if (config.temporal.embedded) {
    // Found (or built) once, here, so that a missing CLI stops the start instead of a restart loop.
    const cli = findTemporalCli();
    // The Go server cannot watch the supervisor's pipe; `npm run temporal`'s script does it for it.
    supervisor.start({ name: 'temporal', command: node, args: [path.join(__dirname, 'temporal.js')], env: { ...env, TEMPORAL_CLI: cli } });
    const connection = await retryUntilReachable(
      () => Connection.connect({ address: config.temporal.address, connectTimeout: '1 second' }),
      logger,
    );
    try {
      // Our own server: it keeps closed jobs long enough for the retention sweep to expire them.
      await prepareNamespace(connection, config.temporal.namespace, logger, {
        setup: config.temporal.setup,
        retentionDays: config.retention.days,
        embedded: true,
      });
    } finally {
      await connection.close();
    }
    logger.info({ address: config.temporal.address, ui: config.temporal.uiUrl }, 'Temporal dev server ready');
    env.TEMPORAL_ADDRESS = config.temporal.address;
  }

  supervisor.start({ name: 'worker', command: node, args: [path.join(__dirname, '../worker/main.js')], env });
  supervisor.start({ name: 'api', command: node, args: [path.join(__dirname, '../api/server.js')], env });
  await supervisor.failure;
}

main().catch(async (err) => {
  logger.fatal({ err }, 'service failed');
  await supervisor.stop();
  process.exit(1);
});
