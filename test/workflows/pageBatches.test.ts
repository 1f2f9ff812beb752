// A document of more pages than PAGE_BATCH_SIZE is read in batches, each a child workflow:
// the job's progress, retries, page errors, cancel and deadline work across them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { OcrActivities } from '../../src/activities';
import { runStep } from '../../src/activities/step';
import { JobErrorCode } from '../../src/shared/errorCodes';
import { jobEventsQuery } from '../../src/shared/events';
import type { JobState, PageError } from '../../src/shared/jobs';
import { jobStatusQuery } from '../../src/shared/messages';
import { BATCHED_STATE_PAGE_ERRORS, pageBatchWorkflowId } from '../../src/shared/pageBatches';
import { jobWebhooksWorkflowId } from '../../src/shared/webhooks';
import type { OcrJobInput } from '../../src/shared/schemas';
import { jobKeys } from '../../src/storage/blobStore';
import { createOcrFixture, heartbeatUntilCancelled, runWorker, startJobWorkflow, type OcrFixture } from '../helpers/harness';
import { quickPagesPdf } from '../helpers/images';
import { eventually, jobInputFor } from '../helpers/jobs';
import { bundleWorkflows, startTestServer } from '../helpers/temporal';

jest.setTimeout(240_000);

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let fixture: OcrFixture;

const BATCH = 4;

beforeAll(async () => {
  // The pages are OCR'd (not read from their text layers, which takes no `recognize` step):
  // the tests fail and hold pages in `recognize`.
  [env, bundle, fixture] = await Promise.all([startTestServer(), bundleWorkflows(), createOcrFixture({ PAGE_BATCH_SIZE: String(BATCH), CALLBACK_URL_ALLOWLIST: '127.0.0.1', PDF_TEXT: 'ocr' })]);
});
afterAll(async () => {
  await env?.teardown();
  await fixture?.close();
});

const start = (input: OcrJobInput) => startJobWorkflow(env.client, fixture, input);

async function summaryOf(input: OcrJobInput): Promise<{ text: string; pages: Array<{ page: number }>; pageErrors: PageError[] }> {
  return JSON.parse((await fixture.blobs.get(jobKeys.resultSummary({ jobId: input.jobId }))).toString('utf8'));
}

const pageTexts = (text: string) => text.split('\f').map((page) => page.trim());
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('when a document has more pages than a batch, then child workflows read them in batches and the job ends DONE with every page in order', async () => {
  const input = await jobInputFor(fixture.blobs, await quickPagesPdf(10));
  const handle = await start(input);
  const seen: JobState[] = [];
  const worker = await runWorker(env, fixture, bundle);
  try {
    const final = await eventually(
      async () => {
        const state = await handle.query(jobStatusQuery);
        seen.push(state);
        return state;
      },
      (state) => state.status === 'DONE',
      120_000,
    );

    expect(final).toMatchObject({ status: 'DONE', progress: 100, pages: { total: 10, done: 10, failed: 0 }, error: null, pageErrors: [] });
    expect(final.result).toMatchObject({ pageCount: 10 });
    expect(Object.keys(final.timings).sort()).toEqual(['load', 'preprocess', 'recognize', 'store']);
    const progress = seen.map((state) => state.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const summary = await summaryOf(input);
    expect(pageTexts(summary.text)).toEqual(range(1, 10).map((page) => `Page ${page}`));
    expect(summary.pages.map((page) => page.page)).toEqual(range(1, 10));
    // Three batches of at most four pages, each its own workflow, all completed.
    for (const batch of [1, 2, 3]) {
      expect((await env.client.workflow.getHandle(pageBatchWorkflowId(input.jobId, batch)).describe()).status.name).toBe('COMPLETED');
    }
    await expect(env.client.workflow.getHandle(pageBatchWorkflowId(input.jobId, 4)).describe()).rejects.toThrow();
    // Every page is still an event of the job, in order.
    const { events } = await handle.query(jobEventsQuery, { after: 0, limit: 100 });
    expect(events.filter((event) => event.type === 'job.page.done').map((event) => event.page)).toEqual(range(1, 10));
    expect(events.at(-1)?.type).toBe('job.done');
    // The job's page images are gone with its batches done.
    const { runId } = await handle.describe();
    expect(await fixture.blobs.list(jobKeys.pageImages({ jobId: input.jobId }, runId))).toEqual([]);
  } finally {
    await worker.stop();
  }
});

test('when pages of several batches fail for good, then the job ends PARTIAL_SUCCESS with their errors, and a retried page says RETRYING', async () => {
  const input = await jobInputFor(fixture.blobs, await quickPagesPdf(9));
  const handle = await start(input);
  const worker = await runWorker(env, fixture, bundle, {
    ...fixture.activities,
    async recognizePage(pageInput) {
      if (pageInput.page === 2 || pageInput.page === 7) throw ApplicationFailure.nonRetryable(`page ${pageInput.page} is unreadable`, 'OCR_FAILED');
      if (pageInput.page === 5 && Context.current().info.attempt === 1) {
        // Failed as the step itself fails: it tells the job of its retry.
        const spec = { step: 'recognize' as const, jobId: pageInput.jobId, page: 5, unexpected: JobErrorCode.OCR_FAILED, heartbeatIntervalMs: 200 };
        await runStep(spec, async () => {
          throw ApplicationFailure.retryable('engine hiccup', 'OCR_FAILED');
        });
      }
      return fixture.activities.recognizePage(pageInput);
    },
  });
  try {
    const final = await handle.result();

    expect(final).toMatchObject({ status: 'PARTIAL_SUCCESS', progress: 100, pages: { total: 9, done: 7, failed: 2 }, result: { pageCount: 7 } });
    expect(final.pageErrors.map((error) => [error.page, error.code, error.failedStep])).toEqual([[2, 'OCR_FAILED', 'recognize'], [7, 'OCR_FAILED', 'recognize']]);
    const summary = await summaryOf(input);
    expect(summary.pages.map((page) => page.page)).toEqual([1, 3, 4, 5, 6, 8, 9]);
    expect(summary.pageErrors.map((error) => error.page)).toEqual([2, 7]);
    // The retry of page 5, in the second batch, reached the job.
    const { events } = await handle.query(jobEventsQuery, { after: 0, limit: 100 });
    expect(events.find((event) => event.type === 'job.retrying')?.retry).toMatchObject({ step: 'recognize', attempt: 2 });
  } finally {
    await worker.stop();
  }
});

test('when more pages fail than the job keeps, then its state keeps the first ones and counts them all, and the result lists them all', async () => {
  const pages = BATCHED_STATE_PAGE_ERRORS + 20;
  const input = await jobInputFor(fixture.blobs, await quickPagesPdf(pages));
  const handle = await start(input);
  const worker = await runWorker(env, fixture, bundle, {
    ...fixture.activities,
    async preprocessPage(pageInput) {
      if (pageInput.page > 2) throw ApplicationFailure.nonRetryable(`page ${pageInput.page} is unreadable`, 'CORRUPT_DOCUMENT');
      return fixture.activities.preprocessPage(pageInput);
    },
  });
  try {
    const final = await handle.result();

    expect(final).toMatchObject({ status: 'PARTIAL_SUCCESS', pages: { total: pages, done: 2, failed: pages - 2 } });
    expect(final.pageErrors.map((error) => error.page)).toEqual(range(3, BATCHED_STATE_PAGE_ERRORS + 2));
    const summary = await summaryOf(input);
    expect(summary.pageErrors.map((error) => error.page)).toEqual(range(3, pages));
    const document = JSON.parse((await fixture.blobs.get(jobKeys.resultDocument({ jobId: input.jobId }))).toString('utf8'));
    expect(document.pageErrors).toHaveLength(pages - 2);
  } finally {
    await worker.stop();
  }
});

/** Activities whose page `stuck` never ends on its own: it heartbeats until cancelled. */
function stuckOn(stuck: number, started: () => void): OcrActivities {
  return {
    ...fixture.activities,
    async recognizePage(input) {
      if (input.page !== stuck) return fixture.activities.recognizePage(input);
      started();
      return heartbeatUntilCancelled();
    },
  };
}

test('when a job is cancelled during a batch, then the batch stops with it, the job ends CANCELLED and its working files are removed', async () => {
  let reached!: () => void;
  const stuckReached = new Promise<void>((resolve) => (reached = resolve));
  const input = await jobInputFor(fixture.blobs, await quickPagesPdf(10));
  const handle = await start(input);
  const worker = await runWorker(env, fixture, bundle, stuckOn(6, reached));
  try {
    await stuckReached;

    await handle.cancel();
    await handle.result().catch(() => undefined);

    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await env.client.workflow.getHandle(pageBatchWorkflowId(input.jobId, 2)).describe()).status.name).toBe('CANCELLED');
    const { runId } = await handle.describe();
    expect(await fixture.blobs.list(jobKeys.run({ jobId: input.jobId }, runId))).toEqual([]);
  } finally {
    await worker.stop();
  }
});

test('when the deadline passes during a batch, then the job ends ERROR with JOB_TIMEOUT and keeps every page read by then', async () => {
  let reached!: () => void;
  const stuckReached = new Promise<void>((resolve) => (reached = resolve));
  const input = { ...(await jobInputFor(fixture.blobs, await quickPagesPdf(10))), deadline: new Date(Date.now() + 30_000).toISOString() };
  const handle = await start(input);
  const worker = await runWorker(env, fixture, bundle, stuckOn(6, reached));
  try {
    await stuckReached;
    const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;

    const state = (err.cause as ApplicationFailure).details?.[0] as JobState;
    expect(state).toMatchObject({ status: 'ERROR', error: { code: 'JOB_TIMEOUT', failedStep: 'recognize' } });
    const summary = await summaryOf(input);
    const read = summary.pages.map((page) => page.page);
    // The first batch and the pages of the second before the stuck one, whatever the last report said.
    expect(read).toEqual(expect.arrayContaining([1, 2, 3, 4, 5]));
    expect(read).not.toContain(6);
    expect(state.result?.pageCount).toBe(read.length);
    expect(state.pages.done).toBe(read.length);
    expect(state.error?.message).toContain(`with ${read.length} of 10 pages read`);
  } finally {
    await worker.stop();
  }
});

test('when callbackEvents is all, then every event of a job read in batches reaches the receiver once, in order, with the job as it was then', async () => {
  const received: Array<{ type: string; sequence: number; data: { page?: number; status: string; progress: number; pages: { done: number } } }> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(raw));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const input = {
    ...(await jobInputFor(fixture.blobs, await quickPagesPdf(10), { callbackUrl: url, callbackEvents: 'all' })),
    webhookRetry: { baseMs: 200, hours: 1 },
  };
  const handle = await start(input);
  const worker = await runWorker(env, fixture, bundle);
  try {
    await handle.result();
    await env.client.workflow.getHandle(jobWebhooksWorkflowId(input.jobId)).result();

    expect(received.map((event) => event.sequence)).toEqual(range(1, 12));
    expect(received.map((event) => event.type)).toEqual(['job.processing', ...Array(10).fill('job.page.done'), 'job.done']);
    const pageEvents = received.filter((event) => event.type === 'job.page.done');
    expect(pageEvents.map((event) => event.data.page)).toEqual(range(1, 10));
    expect(pageEvents.map((event) => event.data.pages.done)).toEqual(range(1, 10));
    const progress = received.map((event) => event.data.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(received.at(-1)?.data).toMatchObject({ status: 'DONE', progress: 100 });
    // The pages of a batch went over together, each after the first with its changes only.
    const groups = ((await handle.fetchHistory()).events ?? []).filter((event) => event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'jobEvents');
    expect(groups.length).toBeGreaterThan(0);
  } finally {
    await worker.stop();
    await new Promise((resolve) => server.close(resolve));
  }
});
