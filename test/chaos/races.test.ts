// Duplicates, races and retries: no duplicate effects, one terminal state, retries in view.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { isTerminalStatus } from '../../src/shared/jobs';
import type { OcrActivities } from '../../src/activities';
import { installedLanguages } from '../../src/ocr/languages';
import { jobKeys } from '../../src/storage/blobStore';
import { createOcrFixture, runWorker, type OcrFixture } from '../helpers/harness';
import { renderText, words } from '../helpers/images';
import { eventually, workflowCount } from '../helpers/jobs';
import { testLogger } from '../helpers/logger';
import { bundleWorkflows, startTestServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let fixture: OcrFixture;
let app: Express;
let png: Buffer;

beforeAll(async () => {
  [env, bundle, fixture] = await Promise.all([startTestServer(), bundleWorkflows(), createOcrFixture({ STATUS_CACHE_MS: '0' })]);
  app = createApp({ config: fixture.config, client: env.client, blobs: fixture.blobs, logger: testLogger, languages: installedLanguages() });
  png = await renderText({ lines: ['Exactly once, please'] });
});
afterAll(async () => {
  await env?.teardown();
  await fixture?.close();
});

const finished = (jobId: string) =>
  eventually(
    () => request(app).get(`/jobs/${jobId}`),
    (res) => isTerminalStatus(res.body.status),
  );

/** Activities whose `name` fails on the attempts listed, after (or before) doing its work. */
function failing(name: 'storeResult' | 'recognizePage', attempts: number[], afterWork: boolean): OcrActivities {
  const real = fixture.activities[name] as (input: unknown) => Promise<unknown>;
  return {
    ...fixture.activities,
    [name]: async (input: unknown) => {
      const { attempt } = Context.current().info;
      if (!afterWork && attempts.includes(attempt)) throw ApplicationFailure.retryable('the disk is full', 'STORAGE_FAILED');
      const result = await real(input);
      if (afterWork && attempts.includes(attempt)) throw ApplicationFailure.retryable('the worker died after writing', 'STORAGE_FAILED');
      return result;
    },
  };
}

describe('duplicates', () => {
  test('when 50 identical submits share an Idempotency-Key at once, then one workflow runs', async () => {
    const worker = await runWorker(env, fixture, bundle);
    const key = `fifty-${Date.now()}`;
    try {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => request(app).post('/jobs').set('Idempotency-Key', key).set('Content-Type', 'image/png').send(png)),
      );

      expect(new Set(responses.map((r) => r.status))).toEqual(new Set([202]));
      const ids = new Set(responses.map((r) => r.body.jobId));
      expect(ids.size).toBe(1);
      const [jobId] = ids;
      await finished(jobId!);
      expect(await eventually(() => workflowCount(env.client, jobId!), (n) => n > 0)).toBe(1);
    } finally {
      await worker.stop();
    }
  });
});

describe('retries after the work was done', () => {
  test('when storing the result is retried after it was written, then there is one correct result', async () => {
    const worker = await runWorker(env, fixture, bundle, failing('storeResult', [1], true));
    try {
      const res = await request(app).post('/jobs').set('Content-Type', 'image/png').send(png);

      const done = await finished(res.body.jobId);
      expect(done.body.status).toBe('DONE');
      expect(words(done.body.result.text)).toEqual(['exactly', 'once', 'please']);
      const text = (await fixture.blobs.get(jobKeys.resultText({ jobId: res.body.jobId }))).toString();
      expect(words(text)).toEqual(['exactly', 'once', 'please']);
    } finally {
      await worker.stop();
    }
  });

  test('when recognising a page is retried after its result was written, then the page is not read again', async () => {
    const page = await renderText({ lines: ['Exactly once, please: this page is read a single time'] });
    const reads = jest.spyOn(fixture.deps.pipeline, 'readPage');
    const worker = await runWorker(env, fixture, bundle, failing('recognizePage', [1], true));
    try {
      const res = await request(app).post('/jobs').set('Content-Type', 'image/png').send(page);

      const done = await finished(res.body.jobId);
      expect(done.body.status).toBe('DONE');
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
      await worker.stop();
    }
  });
});

describe('retries in view', () => {
  test('when a step waits for its next attempt, then GET says RETRYING with the retry, and PROCESSING again after', async () => {
    const worker = await runWorker(env, fixture, bundle, failing('storeResult', [1, 2], false));
    try {
      const res = await request(app).post('/jobs').set('Content-Type', 'image/png').send(png);

      const retrying = await eventually(
        () => request(app).get(`/jobs/${res.body.jobId}`),
        (r) => r.body.status === 'RETRYING',
      );
      const done = await finished(res.body.jobId);

      expect(retrying.body.retry).toMatchObject({
        step: 'store',
        maxAttempts: 8,
        lastError: { code: 'STORAGE_FAILED', message: 'the disk is full' },
      });
      expect([2, 3]).toContain(retrying.body.retry.attempt);
      expect(Date.parse(retrying.body.retry.nextAttemptAt)).toBeGreaterThan(Date.parse(retrying.body.updatedAt));
      expect(Number(retrying.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(done.body).toMatchObject({ status: 'DONE', retry: null });
    } finally {
      await worker.stop();
    }
  });
});

describe('cancel racing completion', () => {
  test.each([
    ['right after the submit', 'PENDING'],
    ['while the page is read', 'recognize'],
    ['while the result is stored', 'store'],
  ])('when a cancel arrives %s, then the job ends in exactly one terminal state that every read agrees on', async (_when, moment) => {
    const worker = await runWorker(env, fixture, bundle);
    try {
      const res = await request(app).post('/jobs').set('Content-Type', 'image/png').send(png);
      const jobId = res.body.jobId as string;
      if (moment !== 'PENDING') {
        await eventually(
          () => request(app).get(`/jobs/${jobId}`),
          (r) => r.body.step === moment || isTerminalStatus(r.body.status),
        );
      }

      const cancel = await request(app).post(`/jobs/${jobId}/cancel`);
      const ended = await finished(jobId);
      const reads = await Promise.all([1, 2, 3].map(() => request(app).get(`/jobs/${jobId}`)));
      // A cancelled job may still be clearing its working files when it reads CANCELLED: its
      // workflow is asked once it has closed.
      const handle = env.client.workflow.getHandle(jobId);
      await handle.result().catch(() => undefined);
      const described = await handle.describe();

      expect(new Set(reads.map((r) => r.body.status))).toEqual(new Set([ended.body.status]));
      if (ended.body.status === 'CANCELLED') {
        expect(cancel.status).toBe(202);
        expect(described.status.name).toBe('CANCELLED');
      } else {
        expect(ended.body.status).toBe('DONE');
        expect(described.status.name).toBe('COMPLETED');
        expect([202, 409]).toContain(cancel.status);
      }
    } finally {
      await worker.stop();
    }
  });
});
