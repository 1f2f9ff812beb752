import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import type { OcrActivities } from '../activities';
import { createWorkerMetrics, type WorkerMetrics } from '../metrics/workerMetrics';
import { PROJECT_ROOT } from '../paths';

/** Where `npm run build` writes the prebuilt workflow bundle. */
export const WORKFLOW_BUNDLE_PATH = path.join(PROJECT_ROOT, 'dist/workflow-bundle.js');

export interface OcrWorkerOptions {
  connection: NativeConnection;
  config: Config;
  activities: OcrActivities;
  /** A bundle made by `bundleWorkflowCode`; by default the prebuilt one, else bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Where jobs, pages and steps are counted; a registry of its own when not given. */
  metrics?: WorkerMetrics;
}

/** The Temporal worker that runs OCR jobs: the workflows and every step activity. */
export function createOcrWorker({ connection, config, activities, workflowBundle, metrics = createWorkerMetrics() }: OcrWorkerOptions): Promise<Worker> {
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = workflowBundle
    ? { workflowBundle }
    : existsSync(WORKFLOW_BUNDLE_PATH)
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } }
      : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    ...workflows,
    sinks: metrics.sinks,
    interceptors: { activity: [metrics.stepInterceptor] },
    // Recognition is bounded by the OCR pool; a couple more slots let the short steps
    // (load, preprocess, store) run while every engine is busy.
    maxConcurrentActivityTaskExecutions: config.ocr.poolSize + 2,
    shutdownGraceTime: config.shutdownGraceMs,
  });
}
