// 9. Load: many one-page jobs submitted at once against two worker processes (one engine each),
// as a careful client sends them (Idempotency-Key, 429/503 retried after Retry-After). Every job
// must end DONE with exactly one workflow and one result; reports the time to drain, the peak
// memory of the API and the workers, the answers the submits got, and the largest history.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { jobKeys } from '../../src/storage/blobStore';
import { renderText } from '../../test/helpers/images';
import { awaitAll, runsPerJob, submitMany } from '../../test/helpers/load';
import { peakRssMiB, startStack } from '../lib/stack';
import { round } from '../lib/stats';

export async function load(jobs: number) {
  const stack = await startStack({ workers: 2, poolSize: 1 });
  try {
    const page = await renderText({ lines: ['Receipt 2048 settled'] });
    const started = performance.now();
    const { jobIds, answers } = await submitMany(stack.api, page, 'image/png', jobs, 100);
    const submittedSeconds = (performance.now() - started) / 1000;
    const outcomes = await awaitAll(stack.api, jobIds, 6 * 3600_000);
    const drainSeconds = (performance.now() - started) / 1000;

    const notDone = outcomes.filter((job) => job.status !== 'DONE').length;
    const runs = await runsPerJob(stack.client);
    const withoutResult = jobIds.filter((jobId) => !existsSync(path.join(stack.dataDir, 'blobs', jobKeys.resultText({ jobId, tenant: undefined })))).length;
    let largest = { events: 0, bytes: 0 };
    for (const jobId of jobIds) {
      const { historyLength, historySize = 0 } = await stack.client.workflow.getHandle(jobId).describe();
      largest = { events: Math.max(largest.events, historyLength), bytes: Math.max(largest.bytes, historySize) };
    }
    return {
      jobs,
      distinctJobs: new Set(jobIds).size,
      notDone,
      workflowsPerJob: [...new Set(runs.values())].join(','),
      withoutResult,
      submitSeconds: round(submittedSeconds, 1),
      drainSeconds: round(drainSeconds, 1),
      jobsPerSecond: round(jobs / drainSeconds, 2),
      answers,
      apiPeakMiB: round(await peakRssMiB(stack.apiPid)),
      workerPeakMiB: Math.max(...(await Promise.all(stack.workers.map((worker) => peakRssMiB(worker.pid))))).toFixed(0),
      largestHistory: { events: largest.events, kiB: round(largest.bytes / 1024, 1) },
    };
  } finally {
    await stack.stop();
  }
}
