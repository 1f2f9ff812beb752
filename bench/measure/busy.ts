// 11. The API while OCR fills the cores: POST /jobs and GET /jobs/{id} of a running job, one
// request at a time, with the worker idle and with both its engines reading long pages; once
// with the OCR threads at the API's priority (OCR_NICE=0) and once at the default (10).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { JOB_STATE_MEMO_KEY, TASK_QUEUE } from '../../src/shared/jobs';
import type { OcrJobInput } from '../../src/shared/schemas';
import { FsBlobStore } from '../../src/storage/blobStore';
import { renderText } from '../../test/helpers/images';
import { jobInputFor } from '../../test/helpers/jobs';
import { load, type LoadResult } from '../lib/http';
import { startStack, type Stack } from '../lib/stack';
import { round } from '../lib/stats';

/** Long pages per saturating job, and jobs: enough to keep two engines busy past the measurement. */
const PAGES = 10;
const JOBS = 4;

export async function busyLatency(seconds: number) {
  const png = await renderText({ lines: ['A small page to submit'] });
  const long = await renderText({ lines: Array.from({ length: 90 }, (_, i) => `Line ${i} of a long page that keeps an engine busy`), width: 1400 });
  const tiff = await sharp(Array(PAGES).fill(long), { join: { animated: true } }).tiff().toBuffer();
  // A source that never answers: its job runs (fetching) while the worker does nothing.
  const silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/document.png`;
  const rows = [];
  try {
    for (const nice of ['0', '10']) {
      // The API submits to a queue no worker polls (accepting, not reading, is measured); the
      // jobs that keep the engines busy are started on the worker's queue.
      const stack = await startStack({
        workers: 1,
        poolSize: 2,
        apiTaskQueue: 'bench-busy-accept',
        // Every status read goes to Temporal and the worker, none is answered from the API's cache.
        apiEnv: { MAX_BACKLOG_PAGES: '100000000', JOB_TIMEOUT_DEFAULT_SECONDS: '86400', STATUS_CACHE_MS: '0' },
        env: { OCR_NICE: nice, SOURCE_URL_ALLOWLIST: '127.0.0.1', SOURCE_FETCH_TIMEOUT_MS: '30000' },
      });
      try {
        const blobs = new FsBlobStore(path.join(stack.dataDir, 'blobs'));
        const running = await startJob(stack, { ...(await jobInputFor(blobs, png)), source: { kind: 'url', url: silentUrl } });
        const measure = async () => ({
          accept: await load({ url: `${stack.api}/jobs`, method: 'POST', headers: { 'content-type': 'image/png' }, body: png, connections: 1, seconds, expectStatus: 202 }),
          status: await load({ url: stack.api, paths: [`/jobs/${running}`], connections: 1, seconds, expectStatus: 200 }),
        });
        const idle = await measure();
        for (let i = 0; i < JOBS; i++) await startJob(stack, await jobInputFor(blobs, tiff));
        await enginesBusy(stack);
        const busy = await measure();
        rows.push(
          { nice: Number(nice), path: 'accept', ...compare(idle.accept, busy.accept) },
          { nice: Number(nice), path: 'status of a running job', ...compare(idle.status, busy.status) },
        );
      } finally {
        await stack.stop();
      }
    }
  } finally {
    await new Promise((resolve) => silent.close(resolve));
  }
  return rows;
}

async function startJob(stack: Stack, input: OcrJobInput): Promise<string> {
  await stack.client.workflow.start('ocrJobWorkflow', {
    workflowId: input.jobId,
    taskQueue: TASK_QUEUE,
    args: [input],
    memo: { [JOB_STATE_MEMO_KEY]: { status: 'PENDING' } },
  });
  return input.jobId;
}

/** Waits until two pages are being recognised at once. */
async function enginesBusy(stack: Stack): Promise<void> {
  for (;;) {
    let recognizing = 0;
    for await (const job of stack.client.workflow.list({ query: `TaskQueue = '${TASK_QUEUE}' AND ExecutionStatus = 'Running'` })) {
      const { raw } = await stack.client.workflow.getHandle(job.workflowId).describe();
      recognizing += (raw.pendingActivities ?? []).filter((a) => a.activityType?.name === 'recognizePage' && a.state === 2).length;
    }
    if (recognizing >= 2) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function compare(idle: LoadResult, busy: LoadResult) {
  return {
    idleP50: round(idle.p50, 1),
    busyP50: round(busy.p50, 1),
    p50Ratio: round(busy.p50 / idle.p50, 2),
    idleP99: round(idle.p99, 1),
    busyP99: round(busy.p99, 1),
    p99Ratio: round(busy.p99 / idle.p99, 2),
  };
}
