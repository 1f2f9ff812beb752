import { once } from 'node:events';
import { Authenticator } from '../auth/authenticate';
import { TenantsFileError } from '../auth/tenantsFile';
import { exposureProblem, loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { readableLanguages } from '../ocr/engines';
import { stopTimeoutMs, stopWhenSupervisorGone, thisProcess } from '../start/lifeline';
import { openBlobStore } from '../storage/openBlobStore';
import { BlobStoreSetupError } from '../storage/s3BlobStore';
import { createTemporalClient } from '../temporal/connection';
import { retryUntilReachable } from '../temporal/retry';
import { prepareNamespace, TemporalSetupError } from '../temporal/setup';
import { createApp } from './app';
import type { JobEventHub } from './jobEvents';
import { sweepStagedUploads } from './uploads';
import { createHttpServer } from './httpServer';
import { startTracing } from '../tracing/tracing';

const config = loadConfigOrExit();
const logger = createLogger('api', config.logLevel);
const tracing = startTracing('ocr-jobs-api', config.tracing);

async function main(): Promise<void> {
  // Before the handlers below exist, SIGTERM simply ends the process, which is right then too.
  stopWhenSupervisorGone(thisProcess, stopTimeoutMs(config));
  const auth = await authenticatorOrExit();
  const client = createTemporalClient(config);
  // Set-up runs in the background: the API answers (503 where Temporal is needed) meanwhile.
  void retryUntilReachable(() => prepareNamespace(client.connection, config.temporal.namespace, logger, config.temporal), logger, {
    final: (err) => err instanceof TemporalSetupError,
  }).catch((err: unknown) => {
    if (!(err instanceof TemporalSetupError)) return logger.error({ err }, 'Temporal set-up failed');
    // The namespace needs an operator first: exit 2, like a bad configuration.
    logger.fatal(err.message);
    process.exit(2);
  });

  const store = await openBlobStore(config, logger);
  const { blobs } = store;
  const app = createApp({ config, client, blobs, presign: store.presign, logger, languages: readableLanguages(config.ocr.engine), auth });
  // Uploads left half-written by a process that died are swept at start and every hour.
  const sweep = () =>
    sweepStagedUploads(blobs, config.http.requestTimeoutMs).then(
      (removed) => removed && logger.info({ removed }, 'removed stale staged uploads'),
      (err: unknown) => logger.warn({ err }, 'could not sweep staged uploads'),
    );
  void sweep();
  const sweeper = setInterval(() => void sweep(), 3_600_000).unref();
  const server = createHttpServer(app, config, logger);
  // Signals are handled before the API says it listens: a signal sent on that line must not
  // find the process without its handlers (and be fatal, as SIGHUP is by default).
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs).unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    (app.locals.eventHub as JobEventHub).close();
    server.closeIdleConnections();
    await closed;
    clearTimeout(force);
    clearInterval(sweeper);
    await client.connection.close();
    store.close();
    auth.close();
    await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'could not send the last spans'));
    logger.info('API stopped');
  };
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reading the tenants file again');
    void auth.registry?.reload();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.fatal({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  server.listen(config.port, config.host);
  await once(server, 'listening');
  logger.info({ port: config.port, host: config.host, temporal: config.temporal.address }, 'API listening');
}

/** The authenticator the config asks for; exits 2 when the API must not start as configured. */
async function authenticatorOrExit(): Promise<Authenticator> {
  const problem = exposureProblem(config);
  if (problem) {
    logger.fatal(problem);
    process.exit(2);
  }
  if (config.auth.disabled) {
    logger.warn({ host: config.host }, 'AUTH=none: the API runs without authentication; every caller can read, cancel and delete every job');
  }
  try {
    return await Authenticator.create(config, logger);
  } catch (err) {
    if (!(err instanceof TenantsFileError)) throw err;
    // Like a bad setting: plain lines on stderr, one per problem.
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

main().catch((err) => {
  if (err instanceof BlobStoreSetupError) {
    // The bucket needs an operator first: exit 2, like a bad configuration.
    logger.fatal(err.message);
    process.exit(2);
  }
  logger.fatal({ err }, 'API failed to start');
  process.exit(1);
});
