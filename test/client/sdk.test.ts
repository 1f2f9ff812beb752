// The SDK (`ocr-jobs/client`) against the real service: a real API, worker and Temporal server,
// with a proxy between them that fails on command where a healthy server never would.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OcrJobsClient, OcrJobsError, type Job } from 'ocr-jobs/client';
import type { JobEventHub } from '../../src/api/jobEvents';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flakyProxy';
import { multiPageTiff, renderText, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';

let harness: ApiHarness;
let api: Listening;
let proxy: FlakyProxy;
let client: OcrJobsClient;
let scratch: string;

beforeAll(async () => {
  harness = await startApiHarness();
  api = await listen(harness.app, harness.fixture.config);
  scratch = await mkdtemp(join(tmpdir(), 'ocr-sdk-'));
});
beforeEach(async () => {
  proxy = await startFlakyProxy(api.base);
  // Short backoffs: the retries are what is tested, not their pace.
  client = new OcrJobsClient({ baseUrl: proxy.base, retry: { baseDelayMs: 50, maxDelayMs: 500 } });
});
afterEach(async () => {
  await proxy?.close();
});
afterAll(async () => {
  // The API's event streams watch workflows until their hubs are closed.
  for (const app of [harness?.app, harness?.idleApp]) (app?.locals.eventHub as JobEventHub | undefined)?.close();
  await api?.close();
  await harness?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** The jobs (any status) whose metadata carries this run's tag. */
async function jobsTagged(tag: string, expected: number): Promise<string[]> {
  const direct = new OcrJobsClient({ baseUrl: api.base });
  return eventually(
    async () => {
      const ids: string[] = [];
      for await (const job of direct.list({ limit: 100 })) if (job.metadata?.run === tag) ids.push(job.jobId);
      return ids;
    },
    (ids) => ids.length >= expected,
  );
}

test('when a submit is answered 503 with Retry-After, then the SDK sends it again and one job is made', async () => {
  const tag = randomUUID();
  proxy.refuse('POST', '/jobs', 2, 1);

  const job = await client.submit(await renderText({ lines: ['Invoice 4711 paid'] }), { metadata: { run: tag } });
  const finished = await client.wait(job.jobId);

  const posts = proxy.seen.filter((r) => r.method === 'POST' && r.url === '/jobs');
  expect(posts).toHaveLength(3);
  expect(new Set(posts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  expect(finished.status).toBe('DONE');
  expect(await jobsTagged(tag, 1)).toEqual([job.jobId]);
});

test('when the answer to a submit is lost after the job was made, then the retry gets that job and no second one', async () => {
  const tag = randomUUID();
  proxy.loseAnswers('POST', '/jobs', 1);
  const path = join(scratch, 'lost-answer.png');
  await writeFile(path, await renderText({ lines: ['Delivery note 88'] }));

  const job = await client.submit(path, { metadata: { run: tag }, outputs: ['pdf'] });

  expect(proxy.seen.filter((r) => r.method === 'POST')).toHaveLength(2);
  expect(await jobsTagged(tag, 1)).toEqual([job.jobId]);
  await client.wait(job.jobId);
  const pdf = await client.result(job.jobId, 'pdf', { as: 'bytes' });
  expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
  expect(words(await client.result(job.jobId))).toEqual(['delivery', 'note', '88']);
});

test('when the event stream drops while waiting, then wait reconnects from the last event and resolves with the finished job', async () => {
  const job = await client.submit(await multiPageTiff(['Page one of three', 'Page two of three', 'Page three of three']), { fileName: 'three.tiff' });
  const seen: Array<{ status: string; done: number }> = [];
  let cut = false;

  const finished = await client.wait(job.jobId, {
    onProgress: (update) => {
      seen.push({ status: update.status, done: update.pages?.done ?? 0 });
      if (!cut) {
        cut = true;
        proxy.cutStreams();
      }
    },
  });

  const streams = proxy.seen.filter((r) => r.url.endsWith('/events'));
  expect(streams.length).toBeGreaterThanOrEqual(2);
  expect(streams[0]!.headers['last-event-id']).toBeUndefined();
  expect(Number(streams[1]!.headers['last-event-id'])).toBeGreaterThanOrEqual(1);
  expect(finished.status).toBe('DONE');
  expect(finished.result?.pageCount).toBe(3);
  // Each page was seen done once, in order: nothing replayed twice after the reconnect.
  const pagesDone = seen.map((s) => s.done);
  expect(pagesDone).toEqual([...pagesDone].sort((a, b) => a - b));
  expect(seen.at(-1)).toEqual({ status: 'DONE', done: 3 });
});

test('when the server has no event stream, then wait polls with If-None-Match until the job ends', async () => {
  proxy.withoutStreams = true;
  const job = await client.submit(await renderText({ lines: ['Polling works too'] }));
  const statuses: string[] = [];

  const finished = await client.wait(job.jobId, { onProgress: (update) => statuses.push(update.status) });

  expect(finished.status).toBe('DONE');
  expect(words(finished.result?.text ?? '')).toEqual(['polling', 'works', 'too']);
  const polls = proxy.seen.filter((r) => r.method === 'GET' && r.url === `/jobs/${job.jobId}`);
  expect(polls.length).toBeGreaterThanOrEqual(1);
  expect(polls.slice(1).every((r) => typeof r.headers['if-none-match'] === 'string')).toBe(true);
  expect(statuses.at(-1)).toBe('DONE');
});

test('when a job ends ERROR, then wait rejects with its code and failed step', async () => {
  const png = await renderText({ lines: ['cut short'] });
  const job = await client.submit(png.subarray(0, png.length / 2));

  const failure = await client.wait(job.jobId).catch((error: unknown) => error);

  expect(failure).toBeInstanceOf(OcrJobsError);
  expect(failure).toMatchObject({ code: 'CORRUPT_DOCUMENT', failedStep: 'preprocess', retryable: false, status: null });
  expect((failure as OcrJobsError).job?.status).toBe('ERROR');
});

test('when a request is refused, then the error carries the problem code, status and detail', async () => {
  const missing = await client.get('00000000-0000-4000-8000-000000000000').catch((error: unknown) => error);
  const invalid = await client.submit(await renderText({ lines: ['x'] }), { languages: 'klingon' }).catch((error: unknown) => error);

  expect(missing).toMatchObject({ name: 'OcrJobsError', code: 'JOB_NOT_FOUND', status: 404 });
  expect((missing as OcrJobsError).detail).toContain('00000000-0000-4000-8000-000000000000');
  expect(invalid).toMatchObject({ status: 400 });
  expect((invalid as OcrJobsError).errors?.[0]?.field).toBe('languages');
});

test('when wait is given a timeout shorter than the job, then it rejects with WAIT_TIMEOUT and the job runs on', async () => {
  const idle = await listen(harness.idleApp, harness.idleAppConfig);
  try {
    const waiting = new OcrJobsClient({ baseUrl: idle.base });
    const job = await waiting.submit(await renderText({ lines: ['nobody reads this'] }));

    const failure = await waiting.wait(job.jobId, { timeoutMs: 300 }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'WAIT_TIMEOUT', status: null });
    expect((await waiting.get(job.jobId)).status).toBe('PENDING');
    expect((await waiting.cancel(job.jobId)).jobId).toBe(job.jobId);
  } finally {
    await idle.close();
  }
});

test('when jobs are listed with a small page size, then the iterator follows the cursors through every page', async () => {
  const tag = randomUUID();
  for (let i = 0; i < 5; i++) await client.submit(await renderText({ lines: [`List item ${i}`] }), { metadata: { run: tag } });
  await jobsTagged(tag, 5);
  const all: string[] = [];
  for await (const job of new OcrJobsClient({ baseUrl: api.base }).list({ limit: 100 })) all.push(job.jobId);
  proxy.seen.length = 0;

  const paged: Job['jobId'][] = [];
  for await (const job of client.list({ limit: 2 })) paged.push(job.jobId);

  expect(paged).toEqual(all);
  const pages = proxy.seen.filter((r) => r.url.startsWith('/jobs?'));
  expect(pages.length).toBeGreaterThanOrEqual(Math.max(3, Math.ceil(all.length / 2)));
  expect(pages.slice(1).every((r) => r.url.includes('cursor='))).toBe(true);
});

test('when a finished job is deleted, then reads of it answer 410', async () => {
  const job = await client.submit(await renderText({ lines: ['Delete me'] }));
  await client.wait(job.jobId);

  await client.delete(job.jobId);

  await expect(client.get(job.jobId)).rejects.toMatchObject({ status: 410 });
});
