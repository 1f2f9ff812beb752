import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { isTerminalStatus, JOB_STATE_MEMO_KEY } from '../../src/shared/jobs';
import { jobKeys } from '../../src/storage/blobStore';
import { loadConfig } from '../../src/config';
import { startApiHarness, type ApiHarness, type OcrFixture } from '../helpers/harness';
import { renderText, words } from '../helpers/images';
import { eventually, workflowCount } from '../helpers/jobs';
import { testLogger } from '../helpers/logger';

let harness: ApiHarness;
let env: TestWorkflowEnvironment;
let fixture: OcrFixture;
let app: Express;

beforeAll(async () => {
  harness = await startApiHarness();
  ({ env, fixture, app } = harness);
});
afterAll(async () => {
  await harness?.stop();
});

const LINES = ['Invoice number 4711', 'Total due 99 euros'];

async function pollUntilFinished(location: string | undefined) {
  if (!location) throw new Error('no Location to poll');
  return eventually(
    () => request(app).get(location),
    (res) => res.status !== 200 || isTerminalStatus(res.body.status),
  );
}

function expectProblem(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: `/docs/errors#${code}` });
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
}

describe('POST /jobs and GET /jobs/{id}', () => {
  test('when an image is posted as the raw body, then 202 points to a job that ends DONE with its text', async () => {
    const png = await renderText({ lines: LINES });

    const submitted = await request(app).post('/jobs').set('Content-Type', 'image/png').send(png);

    expect(submitted.status).toBe(202);
    expect(submitted.headers.location).toBe(`/jobs/${submitted.body.jobId}`);
    expect(submitted.body).toMatchObject({ status: 'PENDING', progress: 0, links: { self: submitted.headers.location } });
    const done = await pollUntilFinished(submitted.headers.location);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ jobId: submitted.body.jobId, status: 'DONE', progress: 100, step: null, error: null });
    expect(words(done.body.result.text)).toEqual(words(LINES.join(' ')));
    expect(done.body.result.confidence).toBeGreaterThan(80);
    expect(done.body.result.pages).toHaveLength(1);
    expect(words(done.body.result.pages[0].text)).toEqual(words(LINES.join(' ')));
    expect(done.body.result.pages[0].source).toBe('ocr');
    for (const field of ['createdAt', 'startedAt', 'updatedAt', 'completedAt']) {
      expect(new Date(done.body[field]).toString()).not.toBe('Invalid Date');
    }
  });

  test('when an image is posted as multipart field "file", then the job reads it', async () => {
    const png = await renderText({ lines: ['Multipart upload works'] });

    const submitted = await request(app).post('/jobs').attach('file', png, { filename: 'scan.png', contentType: 'image/png' });

    expect(submitted.status).toBe(202);
    const done = await pollUntilFinished(submitted.headers.location);
    expect(words(done.body.result.text)).toEqual(['multipart', 'upload', 'works']);
  });

  test('when 20 identical requests share an Idempotency-Key at once, then all get the same job and one workflow runs', async () => {
    const png = await renderText({ lines: ['Only once please'] });
    const key = `key-${Date.now()}`;

    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(app).post('/jobs').set('Idempotency-Key', key).set('Content-Type', 'image/png').send(png),
      ),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    const jobIds = new Set(responses.map((r) => r.body.jobId));
    expect(jobIds.size).toBe(1);
    const [jobId] = jobIds;
    await pollUntilFinished(`/jobs/${jobId}`);
    expect(await eventually(() => workflowCount(env.client, jobId!), (n) => n > 0)).toBe(1);
    const again = await request(app).post('/jobs').set('Idempotency-Key', key).set('Content-Type', 'image/png').send(png);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ jobId, status: 'DONE' });
  });

  test('when an Idempotency-Key is reused with another document, then 422 problem and the first job is untouched', async () => {
    const key = `reuse-${Date.now()}`;
    const first = await request(app)
      .post('/jobs')
      .set('Idempotency-Key', key)
      .set('Content-Type', 'image/png')
      .send(await renderText({ lines: ['First document'] }));

    const second = await request(app)
      .post('/jobs')
      .set('Idempotency-Key', key)
      .set('Content-Type', 'image/png')
      .send(await renderText({ lines: ['Second document'] }));

    expect(first.status).toBe(202);
    expectProblem(second, 422, 'IDEMPOTENCY_KEY_REUSED');
    const done = await pollUntilFinished(first.headers.location);
    expect(words(done.body.result.text)).toEqual(['first', 'document']);
  });

  function submitWithKey(key: string, png: Buffer) {
    return request(app).post('/jobs').set('Idempotency-Key', key).set('Content-Type', 'image/png').send(png);
  }

  test('when an Idempotency-Key comes back after Temporal forgot its job, then the new document is read, not the old pages', async () => {
    const key = `retained-${Date.now()}`;
    const first = await submitWithKey(key, await renderText({ lines: ['Alpha document here'] }));
    const jobId = first.body.jobId as string;
    expect(words((await pollUntilFinished(first.headers.location)).body.result.text)).toEqual(['alpha', 'document', 'here']);
    // What the namespace's retention does to a closed workflow, done now.
    await env.client.workflowService.deleteWorkflowExecution({
      namespace: fixture.config.temporal.namespace,
      workflowExecution: { workflowId: jobId },
    });
    await eventually(
      () => env.client.workflow.getHandle(jobId).describe().then(() => 'kept', (err: unknown) => (err instanceof WorkflowNotFoundError ? 'gone' : 'kept')),
      (state) => state === 'gone',
    );

    const second = await submitWithKey(key, await renderText({ lines: ['Bravo text instead'] }));

    expect(second.status).toBe(202);
    expect(second.body.jobId).toBe(jobId);
    const done = await pollUntilFinished(second.headers.location);
    expect(done.body.status).toBe('DONE');
    expect(words(done.body.result.text)).toEqual(['bravo', 'text', 'instead']);
    expect(await fixture.blobs.list(jobKeys.sources({ jobId }))).toHaveLength(1);
  });

  test('when the Idempotency-Key of a deleted job is sent again, then 410 and nothing is written', async () => {
    const key = `deleted-${Date.now()}`;
    const png = await renderText({ lines: ['Deleted later'] });
    const first = await submitWithKey(key, png);
    await pollUntilFinished(first.headers.location);
    expect((await request(app).delete(first.headers.location!)).status).toBe(204);

    const again = await submitWithKey(key, png);

    expectProblem(again, 410, 'JOB_DELETED');
    expect(await fixture.blobs.list(jobKeys.root({ jobId: first.body.jobId }))).toEqual([]);
  });

  test('when a born-digital two-page PDF is posted, then each page is read from its text layer and the job reports per-page results', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    for (const line of ['The first page of the letter', 'The second page of the letter']) {
      pdf.addPage([420, 200]).drawText(line, { x: 30, y: 150, size: 14, font });
    }

    const submitted = await request(app).post('/jobs').set('Content-Type', 'application/pdf').send(Buffer.from(await pdf.save()));

    const done = await pollUntilFinished(submitted.headers.location);
    expect(done.body).toMatchObject({ status: 'DONE', document: { mediaType: 'application/pdf', pageCount: 2 } });
    expect(done.body.result.pages.map((page: { text: string }) => words(page.text))).toEqual([
      ['the', 'first', 'page', 'of', 'the', 'letter'],
      ['the', 'second', 'page', 'of', 'the', 'letter'],
    ]);
    expect(done.body.result.text.split('\f')).toHaveLength(2);
    expect(done.body.result.pages.map((page: { source: string }) => page.source)).toEqual(['text-layer', 'text-layer']);
    expect(done.body.result.engine).toMatch(/^MuPDF \S+ \(text layer\)$/);
  });

  test('when a PDF mixes a born-digital page and a scan, then the text-layer page is read in one step and the scan in two, and the PDF result holds both', async () => {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    pdf.addPage([420, 200]).drawText('A page typed on a computer', { x: 30, y: 150, size: 14, font });
    const scan = await pdf.embedPng(await renderText({ lines: ['A page that was scanned'], fontSize: 40, width: 1400 }));
    pdf.addPage([420, 200]).drawImage(scan, { x: 0, y: 200 - (420 * scan.height) / scan.width, width: 420, height: (420 * scan.height) / scan.width });

    const submitted = await request(app).post('/jobs?outputs=pdf').set('Content-Type', 'application/pdf').send(Buffer.from(await pdf.save()));

    const done = await pollUntilFinished(submitted.headers.location);
    expect(done.body.result.pages.map((page: { source: string; text: string }) => [page.source, words(page.text)])).toEqual([
      ['text-layer', ['a', 'page', 'typed', 'on', 'a', 'computer']],
      ['ocr', ['a', 'page', 'that', 'was', 'scanned']],
    ]);
    const history = await env.client.workflow.getHandle(done.body.jobId).fetchHistory();
    const steps = (history.events ?? []).flatMap((event) => {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
      return name === 'preprocessPage' || name === 'recognizePage' ? [name] : [];
    });
    expect(steps.sort()).toEqual(['preprocessPage', 'preprocessPage', 'recognizePage']);
    const result = await request(app).get(`${submitted.headers.location}/result?format=pdf`).buffer(true).parse((res, callback) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => callback(null, Buffer.concat(chunks)));
    });
    expect((await PDFDocument.load(result.body as Buffer)).getPageCount()).toBe(2);
  });

  test('when a finished job is still handing over its last event and no worker answers, then its status, read from the memo, still lists every page', async () => {
    const submitted = await request(app).post('/jobs').set('Content-Type', 'image/png').send(await renderText({ lines: LINES }));
    const done = await pollUntilFinished(submitted.headers.location);
    expect(done.body.status).toBe('DONE');
    // A job in that moment (its memo says DONE, its workflow runs on to start its webhook
    // delivery), on a task queue no worker polls, so the status query cannot be answered.
    const { memo } = await env.client.workflow.getHandle(submitted.body.jobId).describe();
    const jobId = randomUUID();
    const state = (memo ?? {})[JOB_STATE_MEMO_KEY] as { result: { pages: unknown[] } };
    expect(state.result.pages).toEqual([]);
    const handle = await env.client.workflow.start('ocrJobWorkflow', {
      workflowId: jobId,
      taskQueue: harness.idleAppConfig.temporal.taskQueue,
      args: [],
      memo: { ...memo, [JOB_STATE_MEMO_KEY]: { ...state, jobId } },
    });
    await fixture.blobs.put(jobKeys.resultSummary({ jobId }), await fixture.blobs.get(jobKeys.resultSummary({ jobId: submitted.body.jobId })));
    try {
      const read = await request(harness.idleApp).get(`/jobs/${jobId}`);

      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ jobId, status: 'DONE', live: false });
      expect(read.body.result.pages).toHaveLength(1);
      expect(words(read.body.result.pages[0].text)).toEqual(words(LINES.join(' ')));
    } finally {
      await handle.terminate();
    }
  });

  test('when a job id is unknown, then 404 problem+json', async () => {
    const res = await request(app).get('/jobs/00000000-0000-4000-8000-000000000000');

    expectProblem(res, 404, 'JOB_NOT_FOUND');
    expect(res.body.instance).toBe('/jobs/00000000-0000-4000-8000-000000000000');
  });

  test('when a job id is malformed, then 404 problem+json', async () => {
    expectProblem(await request(app).get('/jobs/not-a-job'), 404, 'JOB_NOT_FOUND');
  });
});

describe('bad uploads', () => {
  test('when the bytes are no supported document, then 415 problem at once', async () => {
    const res = await request(app).post('/jobs').set('Content-Type', 'image/png').send(Buffer.from('hello, not a png'));

    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('when the request has a non-document content type, then 415 problem', async () => {
    const res = await request(app).post('/jobs').set('Content-Type', 'text/plain').send('some text');

    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('when a multipart request has no "file" field, then 400 problem naming the field', async () => {
    const res = await request(app).post('/jobs').field('languages', 'eng');

    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'file' })]);
  });

  test('when an option is unknown or malformed, then 400 problem with field errors', async () => {
    const png = await renderText({ lines: ['x'] });

    const unknown = await request(app).post('/jobs?colour=blue').set('Content-Type', 'image/png').send(png);
    const malformed = await request(app).post('/jobs').field('languages', 'ENGLISH!').attach('file', png, 'x.png');

    expectProblem(unknown, 400, 'VALIDATION_FAILED');
    expect(unknown.body.errors[0].message).toMatch(/colour/);
    expectProblem(malformed, 400, 'VALIDATION_FAILED');
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: expect.stringMatching(/^form\.languages/) })]);
  });

  test('when the upload is over MAX_UPLOAD_BYTES, then 413 problem', async () => {
    const small = createApp({
      config: loadConfig({ DATA_DIR: fixture.dataDir, MAX_UPLOAD_BYTES: '1000' }),
      client: env.client,
      blobs: fixture.blobs,
      logger: testLogger,
      languages: ['eng'],
    });
    const png = await renderText({ lines: LINES });

    expectProblem(await request(small).post('/jobs').set('Content-Type', 'image/png').send(png), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await request(small).post('/jobs').attach('file', png, 'scan.png'), 413, 'PAYLOAD_TOO_LARGE');
  });

  test('when a PNG is cut short, then the job ends ERROR with a non-retryable CORRUPT_DOCUMENT at step preprocess', async () => {
    const png = await renderText({ lines: LINES });

    const submitted = await request(app).post('/jobs').set('Content-Type', 'image/png').send(png.subarray(0, png.length / 2));

    expect(submitted.status).toBe(202);
    const ended = await pollUntilFinished(submitted.headers.location);
    expect(ended.body).toMatchObject({
      status: 'ERROR',
      result: null,
      error: { code: 'CORRUPT_DOCUMENT', retryable: false, failedStep: 'preprocess' },
    });
  });
});

describe('health', () => {
  test('when the process runs, then /healthz answers 200', async () => {
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  test('when Temporal is reachable, then /readyz answers 200', async () => {
    expect((await request(app).get('/readyz')).body).toEqual({ status: 'ready' });
  });

  test('when a path does not exist, then 404 problem+json', async () => {
    expectProblem(await request(app).get('/nothing/here'), 404, 'NOT_FOUND');
  });
});
