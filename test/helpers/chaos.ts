// A dev server, an in-process API and a data folder shared with worker processes: the
// stage for tests that kill, stop and restart parts of the service.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig, type Config } from '../../src/config';
import { installedLanguages } from '../../src/ocr/languages';
import { isTerminalStatus } from '../../src/shared/jobs';
import { FsBlobStore } from '../../src/storage/blobStore';
import { eventually } from './jobs';
import { testLogger } from './logger';
import { renderText } from './images';
import { startWorkerProcess, type RunningProcess } from './processes';

export interface Stage {
  dataDir: string;
  taskQueue: string;
  config: Config;
  blobs: FsBlobStore;
  /** Environment for worker and API processes of this stage. */
  processEnv: Record<string, string>;
  /** A fresh in-process API on `client` (fresh: nothing cached from earlier reads). */
  app(client: Client, settings?: Record<string, string>): Express;
  startWorker(settings?: Record<string, string>): Promise<RunningProcess>;
  /** Kills every worker this stage started (for afterEach: tests start their own). */
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

export async function createStage(address: string, settings: Record<string, string> = {}): Promise<Stage> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-chaos-'));
  const taskQueue = `chaos-${randomUUID()}`;
  const processEnv = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    OCR_POOL_SIZE: '1',
    HEARTBEAT_INTERVAL_MS: '500',
    STATUS_CACHE_MS: '0',
    ...settings,
  };
  const config = loadConfig({ ...processEnv, LOG_LEVEL: 'silent' });
  const blobs = new FsBlobStore(config.blobDir);
  const workers: RunningProcess[] = [];
  const stopWorkers = async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGKILL')));
  };
  return {
    dataDir,
    taskQueue,
    config,
    blobs,
    processEnv,
    app: (client, extra = {}) =>
      createApp({
        config: loadConfig({ ...processEnv, LOG_LEVEL: 'silent', ...extra }),
        client,
        blobs,
        logger: testLogger,
        languages: installedLanguages(),
      }),
    async startWorker(extra = {}) {
      const worker = await startWorkerProcess({ ...processEnv, ...extra });
      workers.push(worker);
      return worker;
    },
    stopWorkers,
    async close() {
      await stopWorkers();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A page with enough text that recognising it takes a few seconds. */
export function longPage(lines = 90): Promise<Buffer> {
  return renderText({
    lines: Array.from({ length: lines }, (_, i) => `Line ${i + 1} of a long page that keeps the engine busy`),
    fontSize: 26,
    width: 1400,
  });
}

export const LONG_PAGE_FIRST_WORDS = ['line', '1', 'of', 'a', 'long', 'page'];

export async function submitPng(app: Express, png: Buffer, query = ''): Promise<string> {
  const res = await request(app).post(`/jobs${query}`).set('Content-Type', 'image/png').send(png);
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.jobId as string;
}

type Pending = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

/** Waits until the job's page is being recognised, and returns that activity. */
export async function recognitionRunning(client: Client, jobId: string): Promise<Pending> {
  const description = await eventually(
    () => client.workflow.getHandle(jobId).describe(),
    (d) =>
      (d.raw.pendingActivities ?? []).some(
        (a) => a.activityType?.name === 'recognizePage' && a.state === 2 /* STARTED */ && a.lastWorkerIdentity,
      ),
    60_000,
  );
  return (description.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'recognizePage')!;
}

/** The process id in a worker identity (`pid@host`). */
export function pidOf(identity: string): number {
  return Number(identity.split('@')[0]);
}

export async function finished(app: Express, jobId: string, timeoutMs = 90_000) {
  return eventually(
    () => request(app).get(`/jobs/${jobId}`),
    (res) => res.status === 200 && isTerminalStatus(res.body.status),
    timeoutMs,
  );
}
