import { once } from 'node:events';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { installedLanguages } from '../ocr/languages';
import { stopTimeoutMs, stopWhenSupervisorGone, thisProcess } from '../start/lifeline';
import { FsBlobStore } from '../storage/blobStore';
import { createTemporalClient } from '../temporal/connection';
import { retryUntilReachable } from '../temporal/retry';
import { prepareNamespace } from '../temporal/setup';
import { createApp } from './app';
import { createHttpServer } from './httpServer';

const config = loadConfigOrExit();
const logger = createLogger('api', config.logLevel);

async function main(): Promise<void> {
  // Before the handlers below exist, SIGTERM simply ends the process, which is right then too.
  stopWhenSupervisorGone(thisProcess, stopTimeoutMs(config));
  const client = createTemporalClient(config);
  // Set-up runs in the background: the API answers (503 where Temporal is needed) meanwhile.
  void retryUntilReachable(() => prepareNamespace(client.connection, config.temporal.namespace, logger), logger).catch(
    (err: unknown) => logger.error({ err }, 'Temporal set-up failed'),
  );

  const app = createApp({ config, client, blobs: new FsBlobStore(config.blobDir), logger, languages: installedLanguages() });
  const server = createHttpServer(app, config, logger);
  server.listen(config.port, config.host);
  await once(server, 'listening');
  logger.info({ port: config.port, host: config.host, temporal: config.temporal.address }, 'API listening');

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs).unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    clearTimeout(force);
    await client.connection.close();
    logger.info('API stopped');
  };
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
}

main().catch((err) => {
  logger.fatal({ err }, 'API failed to start');
  process.exit(1);
});
