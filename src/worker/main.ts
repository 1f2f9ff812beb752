import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { activityDepsFor, createActivities } from '../activities';
import { TenantRegistry } from '../auth/tenantRegistry';
import { loadConfigOrExit } from '../config';
import { createLogger } from '../logger';
import { NativeEngineMissingError } from '../ocr/engines';
import { createOcrStack } from '../ocr/stack';
import { stopTimeoutMs, stopWhenSupervisorGone, thisProcess } from '../start/lifeline';
import { openBlobStore } from '../storage/openBlobStore';
import { BlobStoreSetupError } from '../storage/s3BlobStore';
import { prepareNamespace, TemporalSetupError } from '../temporal/setup';
import { temporalConnectionOptions } from '../temporal/connection';
import { ensureRetentionSchedule } from '../temporal/retentionSchedule';
import { retryUntilReachable } from '../temporal/retry';
import { createWorkerMetrics, serveMetrics } from '../metrics/workerMetrics';
import { freePort } from '../net/freePort';
import { startTracing } from '../tracing/tracing';
import { createOcrWorker } from './createWorker';
import { installTemporalRuntime } from './runtime';
import { captureStrayOutput } from './strayOutput';

const config = loadConfigOrExit();
const logger = createLogger('worker', config.logLevel);
const tracing = startTracing('ocr-jobs-worker', config.tracing);
// The OCR engines print on their own; their lines join the log as structured entries.
captureStrayOutput(logger);

async function main(): Promise<void> {
  // The SDK's own metrics go to a loopback port of their own; GET /metrics serves them with ours.
  const sdkMetrics = config.workerMetricsPort ? `127.0.0.1:${await freePort()}` : undefined;
  // The runtime drains the worker on these signals: running pages get SHUTDOWN_GRACE_MS to finish.
  installTemporalRuntime(logger, ['SIGINT', 'SIGTERM'], sdkMetrics);
  stopWhenSupervisorGone(thisProcess, stopTimeoutMs(config));
  const ocr = await createOcrStack(config, logger, path.join(os.tmpdir(), `ocr-jobs-tessdata-${process.pid}`));
  const metrics = createWorkerMetrics(ocr.pool);
  const metricsServer = config.workerMetricsPort
    ? await serveMetrics(metrics.registry, config.workerMetricsPort, logger, `http://${sdkMetrics}/metrics`).catch((err: unknown) => {
        // Another process holds the port (two workers on one host): the worker runs without metrics.
        logger.error({ err, port: config.workerMetricsPort }, 'cannot serve metrics; set WORKER_METRICS_PORT to a free port, or 0');
        return null;
      })
    : null;
  const connection = await retryUntilReachable(() => NativeConnection.connect(temporalConnectionOptions(config)), logger);
  // Tenants' own webhook secrets; the file is kept current as the API keeps it.
  const tenants = config.auth.tenantsFile === undefined ? null : await TenantRegistry.open(config.auth.tenantsFile, logger);
  const store = await openBlobStore(config, logger);
  try {
    await prepareNamespace(connection, config.temporal.namespace, logger, { ...config.temporal, retentionDays: config.retention.days });
    const activities = createActivities(activityDepsFor(config, { blobs: store.blobs, pipeline: ocr.pipeline, tenants, engines: { languages: ocr.languages, engineName: (languages) => ocr.pool.engineName(languages) } }));
    const worker = await createOcrWorker({ connection, config, activities, metrics, tracing });
    // Jobs still run without it; their blobs are then kept until the schedule exists.
    await ensureRetentionSchedule(
      new Client({ connection, namespace: config.temporal.namespace }),
      { taskQueue: config.temporal.taskQueue, retentionDays: config.retention.days },
      logger,
    ).catch((err: unknown) => logger.error({ err }, 'could not set up the retention schedule; finished jobs are not expired'));
    logger.info(
      { taskQueue: config.temporal.taskQueue, address: config.temporal.address, poolSize: config.ocr.poolSize, metricsPort: metricsServer ? config.workerMetricsPort : null },
      'worker started',
    );
    await worker.run();
    logger.info('worker stopped');
  } finally {
    metricsServer?.close();
    tenants?.close();
    store.close();
    await ocr.close();
    await connection.close();
    await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'could not send the last spans'));
  }
}

/** How long the process may take to end by itself once the worker stopped. */
const EXIT_GRACE_MS = 10_000;

main().then(
  () => {
    // Everything was closed in order, and the process ends when its last thread does. After a
    // long run under load a library's thread was seen to outlive its pool's close and keep the
    // process alive: then exit anyway, naming what was still open.
    setTimeout(() => {
      logger.warn({ left: process.getActiveResourcesInfo() }, 'the worker stopped but the process did not end; exiting anyway');
      process.exit(0);
    }, EXIT_GRACE_MS).unref();
  },
  (err: unknown) => {
    if (err instanceof TemporalSetupError || err instanceof BlobStoreSetupError || err instanceof NativeEngineMissingError) {
      // Not a crash: the namespace, the bucket or the engine needs an operator first. Exit 2, like a bad configuration.
      logger.fatal(err.message);
      process.exit(2);
    }
    logger.fatal({ err }, 'worker failed');
    process.exit(1);
  },
);
