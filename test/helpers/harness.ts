import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type OcrActivities } from '../../src/activities';
import { loadConfig, type Config } from '../../src/config';
import { installedLanguages, prepareLangPath } from '../../src/ocr/languages';
import { TesseractPool } from '../../src/ocr/tesseractPool';
import { FsBlobStore } from '../../src/storage/blobStore';
import { temporalLoggerFor } from '../../src/temporal/logging';
import { createOcrWorker } from '../../src/worker/createWorker';
import { testLogger } from './logger';

/** A data folder, an OCR pool and the real activities, as a worker process has them. */
export interface OcrFixture {
  dataDir: string;
  config: Config;
  blobs: FsBlobStore;
  pool: TesseractPool;
  activities: OcrActivities;
  close(): Promise<void>;
}

export async function createOcrFixture(env: Record<string, string> = {}): Promise<OcrFixture> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    OCR_POOL_SIZE: '1',
    HEARTBEAT_INTERVAL_MS: '200',
    TEMPORAL_TASK_QUEUE: `ocr-jobs-test-${randomUUID()}`,
    ...env,
  });
  const pool = new TesseractPool({
    size: config.ocr.poolSize,
    recycleAfterPages: config.ocr.recycleAfterPages,
    langPath: await prepareLangPath(path.join(dataDir, 'tessdata')),
    logger: testLogger,
  });
  const blobs = new FsBlobStore(config.blobDir);
  const activities = createActivities({
    blobs,
    ocr: pool,
    logger: testLogger,
    languages: installedLanguages(),
    limits: { maxPixels: config.limits.maxPixels },
    pageConcurrency: config.ocr.pageConcurrency,
    heartbeatIntervalMs: config.ocr.heartbeatIntervalMs,
  });
  return {
    dataDir,
    config,
    blobs,
    pool,
    activities,
    async close() {
      await pool.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A worker running in the background until `stop()`. */
export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function runWorker(
  env: TestWorkflowEnvironment,
  fixture: OcrFixture,
  workflowBundle: WorkflowBundleWithSourceMap,
  activities: OcrActivities = fixture.activities,
): Promise<RunningWorker> {
  const worker = await createOcrWorker({
    connection: env.nativeConnection,
    config: fixture.config,
    activities,
    workflowBundle,
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** A MockActivityEnvironment whose activity logs go to the (silent) test logger. */
export function activityEnvironment(info: Partial<import('@temporalio/activity').Info> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: temporalLoggerFor(testLogger) });
}

/** Runs one activity in `env`, keeping its argument and result types. */
export function runActivity<A, R>(env: MockActivityEnvironment, activity: (input: A) => Promise<R>, input: A): Promise<R> {
  return env.run(activity, input) as Promise<R>;
}
