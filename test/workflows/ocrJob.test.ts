import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import sharp from 'sharp';
import type { OcrActivities } from '../../src/activities';
import { currentRunId } from '../../src/activities/run';
import { JOB_STATE_MEMO_KEY, MEMO_PAGE_ERRORS, type JobState } from '../../src/shared/jobs';
import { jobStatusQuery } from '../../src/shared/messages';
import { jobKeys } from '../../src/storage/blobStore';
import type { OcrJobInput } from '../../src/shared/schemas';
import { createOcrFixture, heartbeatUntilCancelled, runWorker, startJobWorkflow, type OcrFixture } from '../helpers/harness';
import { renderText, words } from '../helpers/images';
import { eventually, jobInputFor } from '../helpers/jobs';
import { bundleWorkflows, startTestServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let fixture: OcrFixture;

beforeAll(async () => {
  [env, bundle, fixture] = await Promise.all([startTestServer(), bundleWorkflows(), createOcrFixture()]);
});
afterAll(async () => {
  await env?.teardown();
  await fixture?.close();
});

const start = (input: OcrJobInput) => startJobWorkflow(env.client, fixture, input);

const LINES = ['Temporal runs every step', 'of this OCR job 42'];

describe('ocrJobWorkflow', () => {
  test('when every step succeeds, then the job ends DONE with the text, and the status query shows the way there', async () => {
    const input = await jobInputFor(fixture.blobs, await renderText({ lines: LINES }));
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
      );
      const result = await handle.result();

      expect(result).toEqual(final);
      expect(final).toMatchObject({ jobId: input.jobId, status: 'DONE', progress: 100, step: null, error: null });
      expect(final.result?.pageCount).toBe(1);
      expect(final.result?.confidence).toBeGreaterThan(80);
      expect(final.startedAt! >= final.createdAt).toBe(true);
      expect(final.completedAt! >= final.startedAt!).toBe(true);
      const text = JSON.parse((await fixture.blobs.get(`jobs/${input.jobId}/result/summary.json`)).toString()).text;
      expect(words(text)).toEqual(words(LINES.join(' ')));
      const progress = seen.map((state) => state.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(seen.every((state) => ['PROCESSING', 'DONE'].includes(state.status))).toBe(true);
    } finally {
      await worker.stop();
    }
  });

  test('when no worker has picked the job up yet, then its memo says PENDING', async () => {
    const input = await jobInputFor(fixture.blobs, await renderText({ lines: LINES }));
    const handle = await start(input);

    const description = await handle.describe();

    expect(description.memo?.[JOB_STATE_MEMO_KEY]).toMatchObject({ status: 'PENDING' });
    await handle.terminate('test cleanup');
  });

  test('when the document is not an image, then the job ends ERROR with a non-retryable error naming the load step', async () => {
    const input = await jobInputFor(fixture.blobs, Buffer.from('%!PS-Adobe-3.0 not an image'));
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle);
    try {
      const err = await handle.result().catch((e: unknown) => e);

      expect(err).toBeInstanceOf(WorkflowFailedError);
      const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
      expect(failure.type).toBe('UNSUPPORTED_MEDIA_TYPE');
      const state = failure.details?.[0] as JobState;
      expect(state).toMatchObject({
        status: 'ERROR',
        error: { code: 'UNSUPPORTED_MEDIA_TYPE', retryable: false, failedStep: 'load' },
      });
      expect(state.completedAt).not.toBeNull();
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      const loads = new Set(
        events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'loadDocument').map((e) => Number(e.eventId)),
      );
      const attempts = events
        .filter((e) => loads.has(Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1)))
        .map((e) => e.activityTaskStartedEventAttributes!.attempt);
      expect(attempts).toEqual([1]);
    } finally {
      await worker.stop();
    }
  });

  test('when a step fails twice and then succeeds, then the job still ends DONE after three attempts of that step', async () => {
    const attempts: number[] = [];
    const flaky: OcrActivities = {
      ...fixture.activities,
      async storeResult(input) {
        const { attempt } = Context.current().info;
        attempts.push(attempt);
        if (attempt <= 2) throw ApplicationFailure.retryable(`disk hiccup ${attempt}`, 'STORAGE_FAILED');
        return fixture.activities.storeResult(input);
      },
    };
    const input = await jobInputFor(fixture.blobs, await renderText({ lines: LINES }));
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, flaky);
    try {
      const final = await handle.result();

      expect(attempts).toEqual([1, 2, 3]);
      expect(final).toMatchObject({ status: 'DONE', progress: 100, error: null });
    } finally {
      await worker.stop();
    }
  });

  test('when a step keeps failing with a retryable error, then the job ends ERROR naming that step as retryable', async () => {
    const failing: OcrActivities = {
      ...fixture.activities,
      async preprocessPage() {
        throw ApplicationFailure.retryable('scratch space is full', 'STORAGE_FAILED');
      },
    };
    const input = await jobInputFor(fixture.blobs, await renderText({ lines: LINES }));
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, failing);
    try {
      const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;

      const state = (err.cause as ApplicationFailure).details?.[0] as JobState;
      expect(state.error).toEqual({
        code: 'STORAGE_FAILED',
        message: 'scratch space is full',
        retryable: true,
        failedStep: 'preprocess',
      });
    } finally {
      await worker.stop();
    }
  }, 180_000);
});

describe('ocrJobWorkflow with pages that fail', () => {
  async function threePages(): Promise<Buffer> {
    const pages = await Promise.all(['Page one here', 'Page two here', 'Page three here'].map((l) => renderText({ lines: [l] })));
    return sharp(pages, { join: { animated: true } }).tiff().toBuffer();
  }

  function failingOn(pages: number[]): OcrActivities {
    return {
      ...fixture.activities,
      async recognizePage(input) {
        if (pages.includes(input.page)) throw ApplicationFailure.nonRetryable(`page ${input.page} is unreadable`, 'OCR_FAILED');
        return fixture.activities.recognizePage(input);
      },
    };
  }

  test('when one page fails for good, then the others are read and the job ends PARTIAL_SUCCESS with a page error', async () => {
    const input = await jobInputFor(fixture.blobs, await threePages());
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, failingOn([2]));
    try {
      const final = await handle.result();

      expect(final).toMatchObject({ status: 'PARTIAL_SUCCESS', progress: 100, error: null, pages: { total: 3, done: 2, failed: 1 } });
      expect(final.pageErrors).toEqual([
        { page: 2, code: 'OCR_FAILED', message: 'page 2 is unreadable', retryable: false, failedStep: 'recognize' },
      ]);
      expect(final.result?.pages.map((page) => page.page)).toEqual([1, 3]);
      const summary = JSON.parse((await fixture.blobs.get(`jobs/${input.jobId}/result/summary.json`)).toString());
      expect(words(summary.text)).toEqual(['page', 'one', 'here', 'page', 'three', 'here']);
    } finally {
      await worker.stop();
    }
  });

  test('when every page fails, then the job ends ERROR with the first page error and the list of all', async () => {
    const input = await jobInputFor(fixture.blobs, await threePages());
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, failingOn([1, 2, 3]));
    try {
      const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;

      const state = (err.cause as ApplicationFailure).details?.[0] as JobState;
      expect(state).toMatchObject({ status: 'ERROR', pages: { total: 3, done: 0, failed: 3 } });
      expect(state.error).toMatchObject({ code: 'OCR_FAILED', retryable: false, failedStep: 'recognize' });
      expect(state.pageErrors.map((e) => e.page)).toEqual([1, 2, 3]);
    } finally {
      await worker.stop();
    }
  });

  test('when most pages of a long document fail, then the memo keeps the first page errors while the job keeps them all', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `Page ${i + 1}`);
    const tiff = await sharp(await Promise.all(lines.map((line) => renderText({ lines: [line], width: 300 }))), { join: { animated: true } }).tiff().toBuffer();
    const failing = lines.map((_, i) => i + 1).filter((page) => page > 2);
    const input = await jobInputFor(fixture.blobs, tiff);
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, {
      ...fixture.activities,
      async preprocessPage(pageInput) {
        if (failing.includes(pageInput.page)) throw ApplicationFailure.nonRetryable(`page ${pageInput.page} is unreadable`, 'CORRUPT_DOCUMENT');
        return fixture.activities.preprocessPage(pageInput);
      },
    });
    try {
      const final = await handle.result();
      const memo = (await handle.describe()).memo?.[JOB_STATE_MEMO_KEY] as JobState;

      expect(final).toMatchObject({ status: 'PARTIAL_SUCCESS', pages: { total: 30, done: 2, failed: 28 } });
      expect(final.pageErrors.map((error) => error.page)).toEqual(failing);
      expect(memo).toMatchObject({ status: 'PARTIAL_SUCCESS', pages: { total: 30, done: 2, failed: 28 } });
      expect(memo.pageErrors.map((error) => error.page)).toEqual(failing.slice(0, MEMO_PAGE_ERRORS));
    } finally {
      await worker.stop();
    }
  });

  test('when pages are read, then the job records the time each step took and what was found per page', async () => {
    const input = await jobInputFor(fixture.blobs, await sharp(await renderText({ lines: LINES })).rotate(180).png().toBuffer());
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle);
    try {
      const final = await handle.result();

      expect(Object.keys(final.timings).sort()).toEqual(['load', 'preprocess', 'recognize', 'store']);
      expect(final.result?.engine).toBe(fixture.pool.engineName(['eng']));
      expect(final.result?.pages[0]).toMatchObject({ page: 1, orientation: 180, layout: 'flow' });
    } finally {
      await worker.stop();
    }
  });
});

describe('ocrJobWorkflow and its deadline', () => {
  async function threePageTiff(): Promise<Buffer> {
    const pages = await Promise.all(['First page', 'Second page', 'Third page'].map((line) => renderText({ lines: [line] })));
    return sharp(pages, { join: { animated: true } }).tiff().toBuffer();
  }

  test('when the deadline passes mid-job, then it ends ERROR with JOB_TIMEOUT and keeps the pages read by then', async () => {
    const tiff = await threePageTiff();
    // Page 3 never finishes on its own: it waits, heartbeating, until it is cancelled.
    const stuck: OcrActivities = {
      ...fixture.activities,
      async recognizePage(input) {
        if (input.page !== 3) return fixture.activities.recognizePage(input);
        return heartbeatUntilCancelled();
      },
    };
    const input = { ...(await jobInputFor(fixture.blobs, tiff)), deadline: new Date(Date.now() + 6000).toISOString() };
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, stuck);
    try {
      const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;

      const state = (err.cause as ApplicationFailure).details?.[0] as JobState;
      expect(state).toMatchObject({ status: 'ERROR', error: { code: 'JOB_TIMEOUT', retryable: true, failedStep: 'recognize' } });
      expect(state.result?.pages.map((page) => page.page)).toEqual([1, 2]);
      const summary = JSON.parse((await fixture.blobs.get(`jobs/${input.jobId}/result/summary.json`)).toString());
      expect(words(summary.text)).toEqual(['first', 'page', 'second', 'page']);
    } finally {
      await worker.stop();
    }
  });

  test('when the pages read by the deadline cannot be stored, then the job still ends ERROR with JOB_TIMEOUT, saying so', async () => {
    const stuckAndUnstorable: OcrActivities = {
      ...fixture.activities,
      async recognizePage(input) {
        if (input.page !== 3) return fixture.activities.recognizePage(input);
        return heartbeatUntilCancelled();
      },
      async storeResult() {
        throw ApplicationFailure.nonRetryable('the disk is gone', 'STORAGE_FAILED');
      },
    };
    const input = { ...(await jobInputFor(fixture.blobs, await threePageTiff())), deadline: new Date(Date.now() + 6000).toISOString() };
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, stuckAndUnstorable);
    try {
      const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;

      const state = (err.cause as ApplicationFailure).details?.[0] as JobState;
      expect(state).toMatchObject({ status: 'ERROR', result: null, error: { code: 'JOB_TIMEOUT', failedStep: 'recognize' } });
      expect(state.error?.message).toMatch(/2 pages read could not be stored: the disk is gone/);
    } finally {
      await worker.stop();
    }
  });
});

describe('ocrJobWorkflow cleaning up after itself', () => {
  test('when a job fails, then its working files are removed and its document stays', async () => {
    const failing: OcrActivities = {
      ...fixture.activities,
      async recognizePage() {
        throw ApplicationFailure.nonRetryable('unreadable', 'OCR_FAILED');
      },
    };
    const input = await jobInputFor(fixture.blobs, await renderText({ lines: LINES }));
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, failing);
    try {
      await handle.result().catch(() => undefined);

      const { runId } = await handle.describe();
      expect(await fixture.blobs.list(`jobs/${input.jobId}/runs/${runId}`)).toEqual([]);
      expect(await fixture.blobs.exists(input.source.kind === 'upload' ? input.source.key : '')).toBe(true);
    } finally {
      await worker.stop();
    }
  });

  test('when a job is cancelled mid-job, then its working files are removed', async () => {
    const pages = await Promise.all(['One', 'Two', 'Three'].map((line) => renderText({ lines: [line] })));
    const input = await jobInputFor(fixture.blobs, await sharp(pages, { join: { animated: true } }).tiff().toBuffer());
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle);
    try {
      const { runId } = await handle.describe();
      await eventually(() => fixture.blobs.list(`jobs/${input.jobId}/runs/${runId}/images`), (images) => images.length > 0);

      await handle.cancel();
      await handle.result().catch(() => undefined);

      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect(await fixture.blobs.list(`jobs/${input.jobId}/runs/${runId}`)).toEqual([]);
    } finally {
      await worker.stop();
    }
  });

  test('when a job is cancelled while a page step is still running, then the step has ended before the working files are cleared', async () => {
    let discarded!: () => void;
    const discardCalled = new Promise<void>((resolve) => (discarded = resolve));
    let stepStarted!: () => void;
    const stepRunning = new Promise<void>((resolve) => (stepStarted = resolve));
    let stepEnded!: () => void;
    const stepDone = new Promise<void>((resolve) => (stepEnded = resolve));
    const lingering: OcrActivities = {
      ...fixture.activities,
      // A step slow to notice its cancellation: heartbeating, it writes its page only once
      // the job's clean-up is done, or a second after its cancellation reached it.
      async preprocessPage(input) {
        const context = Context.current();
        stepStarted();
        const beat = setInterval(() => context.heartbeat(), 100);
        const noticed = context.cancelled.catch(() => new Promise((resolve) => setTimeout(resolve, 1000)));
        try {
          await Promise.race([discardCalled, noticed]);
        } finally {
          clearInterval(beat);
        }
        try {
          await fixture.blobs.put(jobKeys.pageImage(input, currentRunId(), input.page), 'a page written late');
          throw ApplicationFailure.nonRetryable('the page was abandoned', 'OCR_FAILED');
        } finally {
          stepEnded();
        }
      },
      async discardWorkingFiles(input) {
        await fixture.activities.discardWorkingFiles(input);
        discarded();
      },
    };
    const input = await jobInputFor(fixture.blobs, await renderText({ lines: LINES }));
    const handle = await start(input);
    const worker = await runWorker(env, fixture, bundle, lingering);
    try {
      // Running, not only scheduled: a step cancelled before it starts never runs at all.
      await stepRunning;

      await handle.cancel();
      await handle.result().catch(() => undefined);
      await stepDone;

      const { runId } = await handle.describe();
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect(await fixture.blobs.list(`jobs/${input.jobId}/runs/${runId}`)).toEqual([]);
    } finally {
      await worker.stop();
    }
  });
});
