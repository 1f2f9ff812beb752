import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WorkerMetrics } from '../../src/metrics/workerMetrics';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { activityDepsFor, createActivities, type ActivityDeps, type OcrActivities } from '../../src/activities';
import { loadConfig, type Config } from '../../src/config';
import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { installedLanguages } from '../../src/ocr/languages';
import { createOcrStack } from '../../src/ocr/stack';
import type { OcrEngines } from '../../src/ocr/engines';
import { JOB_STATE_MEMO_KEY } from '../../src/shared/jobs';
import type { OcrJobInput } from '../../src/shared/schemas';
import type { BlobStore } from '../../src/storage/blobStore';
import type { ocrJobWorkflow } from '../../src/workflows';
import { openBlobStore, type OpenedBlobStore } from '../../src/storage/openBlobStore';
import { temporalLoggerFor } from '../../src/temporal/logging';
import { createOcrWorker } from '../../src/worker/createWorker';
import { testLogger } from './logger';
import { bundleWorkflows, startTestServer } from './temporal';

/** A data folder, an OCR pool and the real activities, as a worker process has them. */
export interface OcrFixture {
  dataDir: string;
  deps: ActivityDeps;
  config: Config;
  /** The store BLOB_STORE names: files under dataDir, or an S3 bucket. */
  blobs: BlobStore;
  store: OpenedBlobStore;
  pool: OcrEngines;
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
  const ocr = await createOcrStack(config, testLogger, path.join(dataDir, 'tessdata'));
  const pool = ocr.pool;
  const store = await openBlobStore(config, testLogger);
  const { blobs } = store;
  const deps = activityDepsFor(config, { blobs, pipeline: ocr.pipeline, engines: { languages: ocr.languages, engineName: (languages) => ocr.pool.engineName(languages) } });
  const activities = createActivities(deps);
  return {
    dataDir,
    deps,
    config,
    blobs,
    store,
    pool,
    activities,
    async close() {
      store.close();
      await ocr.close();
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
  metrics?: WorkerMetrics,
): Promise<RunningWorker> {
  const worker = await createOcrWorker({
    connection: env.nativeConnection,
    config: fixture.config,
    activities,
    workflowBundle,
    ...(metrics ? { metrics } : {}),
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

/** The fixture's activity dependencies, to build variants of the activities from. */
export function depsOf(fixture: OcrFixture): ActivityDeps {
  return fixture.deps;
}

/** A real dev server, an OCR worker on it, and the API wired to both: what API tests drive. */
export interface ApiHarness {
  env: TestWorkflowEnvironment;
  fixture: OcrFixture;
  worker: RunningWorker;
  app: Express;
  /** An API whose jobs no worker takes: they stay PENDING (for cancel, wait and 409 tests). */
  idleApp: Express;
  idleAppConfig: Config;
  /** The settings the idle API was made with, to make variants of it. */
  idleAppSettings: Record<string, string>;
  /** Starts a worker for the idle API's jobs, until stopped. */
  runIdleWorker(metrics?: WorkerMetrics): Promise<RunningWorker>;
  stop(): Promise<void>;
}

export async function startApiHarness(settings: Record<string, string> = {}): Promise<ApiHarness> {
  const [env, bundle, fixture] = await Promise.all([startTestServer(), bundleWorkflows(), createOcrFixture(settings)]);
  const worker = await runWorker(env, fixture, bundle);
  const app = createApp({
    config: fixture.config,
    client: env.client,
    blobs: fixture.blobs,
    presign: fixture.store.presign,
    logger: testLogger,
    languages: installedLanguages(),
  });
  const idleAppSettings = { DATA_DIR: fixture.dataDir, LOG_LEVEL: 'silent', TEMPORAL_TASK_QUEUE: `idle-${randomUUID()}`, ...settings };
  const idleConfig = loadConfig(idleAppSettings);
  const idleApp = createApp({ config: idleConfig, client: env.client, blobs: fixture.blobs, logger: testLogger, languages: installedLanguages() });
  return {
    env,
    fixture,
    worker,
    app,
    idleApp,
    idleAppConfig: idleConfig,
    idleAppSettings,
    runIdleWorker: (metrics) => runWorker(env, { ...fixture, config: idleConfig }, bundle, fixture.activities, metrics),
    async stop() {
      await worker.stop();
      await env.teardown();
      await fixture.close();
    },
  };
}

/** Starts a job's workflow as the API does, on the fixture's task queue. */
export function startJobWorkflow(client: Client, fixture: Pick<OcrFixture, 'config'>, input: OcrJobInput) {
  return client.workflow.start<typeof ocrJobWorkflow>('ocrJobWorkflow', {
    workflowId: input.jobId,
    taskQueue: fixture.config.temporal.taskQueue,
    args: [input],
    memo: { [JOB_STATE_MEMO_KEY]: { status: 'PENDING' } },
  });
}

/** Inside an activity: heartbeats until the activity is cancelled, then throws why (a step that never ends on its own). */
export async function heartbeatUntilCancelled(): Promise<never> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(), 200);
  try {
    await new Promise((_resolve, reject) => context.cancellationSignal.addEventListener('abort', () => reject(context.cancellationSignal.reason)));
  } finally {
    clearInterval(beat);
  }
  throw new Error('unreachable');
}
