import { randomUUID } from 'node:crypto';
// The async HTTP contract beyond submit and poll: Prefer, Retry-After, ETag, results,
// cancel, delete, list, URL input, OpenAPI, all against a real dev server and worker.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import type { Express } from 'express';
import { PDFDocument } from 'pdf-lib';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { installedLanguages } from '../../src/ocr/languages';
import { isTerminalStatus } from '../../src/shared/jobs';
import { catalogueMarkdown, HTTP_ERRORS, JOB_ERRORS } from '../../src/api/errorCatalogue';
import { PROJECT_ROOT } from '../../src/paths';
import { JobErrorCode } from '../../src/shared/errorCodes';
import { jobKeys } from '../../src/storage/blobStore';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { startFileServer, serve } from '../helpers/httpServer';
import { renderText, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { testLogger } from '../helpers/logger';
import { listen } from '../helpers/listen';
import { expectMatchesOpenApi } from '../helpers/openapi';

let harness: ApiHarness;
let app: Express;
let idleApp: Express;
let png: Buffer;

beforeAll(async () => {
  harness = await startApiHarness({ SOURCE_URL_ALLOWLIST: '127.0.0.1', STATUS_CACHE_MS: '500' });
  ({ app, idleApp } = harness);
  png = await renderText({ lines: ['Contract tests read this', 'line two 2026'] });
});
afterAll(async () => {
  await harness?.stop();
});


function submit(target: Express = app, query = '') {
  return request(target).post(`/jobs${query}`).set('Content-Type', 'image/png').send(png);
}

async function finished(jobId: string, target: Express = app) {
  return eventually(
    () => request(target).get(`/jobs/${jobId}`),
    (res) => res.status !== 200 || isTerminalStatus(res.body.status),
  );
}

async function doneJob(query = ''): Promise<string> {
  const res = await submit(app, query);
  expect(res.status).toBe(202);
  const done = await finished(res.body.jobId);
  expect(done.body.status).toBe('DONE');
  return res.body.jobId;
}

describe('Prefer', () => {
  test('when respond-async is preferred, then 202 says Preference-Applied: respond-async', async () => {
    const res = await submit().set('Prefer', 'respond-async');

    expect(res.status).toBe(202);
    expect(res.headers['preference-applied']).toBe('respond-async');
  });

  test('when wait=N is preferred and the job ends in time, then 200 with the finished job', async () => {
    const res = await submit().set('Prefer', 'wait=20');

    expect(res.status).toBe(200);
    expect(res.headers['preference-applied']).toBe('wait=20');
    expect(res.headers['content-location']).toBe(`/jobs/${res.body.jobId}`);
    expect(res.body.status).toBe('DONE');
    expect(words(res.body.result.text)).toEqual(words('Contract tests read this line two 2026'));
    expectMatchesOpenApi(res, '/jobs', 'post');
  });

  test('when wait=N is preferred and the job does not end in time, then 202 after about N seconds', async () => {
    const started = Date.now();

    const res = await submit(idleApp).set('Prefer', 'respond-async, wait=1');

    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(res.headers['preference-applied']).toBe('respond-async, wait=1');
  });

  test('when wait is above the cap, then the cap applies', async () => {
    const capped = createApp({
      config: { ...harness.idleAppConfig, preferWaitMaxSeconds: 1 },
      client: harness.env.client,
      blobs: harness.fixture.blobs,
      logger: testLogger,
      languages: ['eng'],
    });

    const res = await request(capped).post('/jobs').set('Content-Type', 'image/png').set('Prefer', 'wait=600').send(png);

    expect(res.status).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=1');
  });
});

describe('options', () => {
  test('when options are given, then they are validated and kept with the job, metadata on every read', async () => {
    const res = await request(app)
      .post('/jobs')
      .field('languages', 'eng+fra')
      .field('outputs', 'hocr')
      .field('callbackUrl', 'https://example.com/hook')
      .field('metadata', JSON.stringify({ customer: '42', batch: 'b-7' }))
      .attach('file', png, 'scan.png');

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ metadata: { customer: '42', batch: 'b-7' }, outputs: ['text', 'json', 'hocr'] });
    const done = await finished(res.body.jobId);
    expect(done.body).toMatchObject({ status: 'DONE', metadata: { customer: '42', batch: 'b-7' } });
    const listed = await request(app).get('/jobs?limit=100');
    expect(listed.body.items.find((job: { jobId: string }) => job.jobId === res.body.jobId)?.metadata).toEqual({
      customer: '42',
      batch: 'b-7',
    });
  });

  test.each([
    ['languages=e', 'query.languages'],
    ['languages=klingon', 'languages'],
    ['pages=3-1', 'query.pages'],
    ['pages=one', 'query.pages'],
    ['outputs=docx', 'query.outputs'],
    ['callbackUrl=ftp://example.com/x', 'query.callbackUrl'],
    ['metadata=notjson', 'query.metadata'],
    ['colour=blue', 'query'],
  ])('when the option %s is given, then 400 names %s', async (query, field) => {
    const res = await submit(app, `?${query}`);

    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field).join()).toContain(field);
    expectMatchesOpenApi(res, '/jobs', 'post');
  });

  test.each([
    { name: 'http://127.0.0.1/', callbackUrl: 'http://127.0.0.1/' },
    { name: 'http://169.254.169.254/latest/meta-data/', callbackUrl: 'http://169.254.169.254/latest/meta-data/' },
    { name: 'http://[::1]/', callbackUrl: 'http://[::1]/' },
    { name: 'http://[::ffff:127.0.0.1]/', callbackUrl: 'http://[::ffff:127.0.0.1]/' },
    { name: 'http://2130706433/', callbackUrl: 'http://2130706433/' },
    { name: 'http://0177.0.0.1/', callbackUrl: 'http://0177.0.0.1/' },
    { name: 'http://10.1.2.3/hook', callbackUrl: 'http://10.1.2.3/hook' },
    { name: 'http://localhost:8080/hook', callbackUrl: 'http://localhost:8080/hook' },
    { name: 'ftp://example.com/hook', callbackUrl: 'ftp://example.com/hook' },
    { name: 'a URL of 5 000 characters', callbackUrl: `https://example.com/${'a'.repeat(5000)}` },
  ])('when callbackUrl is $name, then 400 names callbackUrl', async ({ callbackUrl }) => {
    const res = await request(app).post('/jobs').set('Content-Type', 'application/json').send({ sourceUrl: 'https://example.com/scan.png', callbackUrl });

    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field).join()).toContain('callbackUrl');
    expectMatchesOpenApi(res, '/jobs', 'post');
  });

  test('when CALLBACK_URL_ALLOWLIST names an inside address, then a callbackUrl there is accepted', async () => {
    const allowing = createApp({
      config: loadConfig({ ...harness.idleAppSettings, CALLBACK_URL_ALLOWLIST: '127.0.0.1,hooks.internal' }),
      client: harness.env.client,
      blobs: harness.fixture.blobs,
      logger: testLogger,
      languages: installedLanguages(),
    });

    const res = await submit(allowing, `?callbackUrl=${encodeURIComponent('http://127.0.0.1:9000/hook')}`);

    expect(res.status).toBe(202);
    await request(allowing).post(`/jobs/${res.body.jobId}/cancel`);
  });

  test('when a deadline is set, by time or by seconds, then the job carries it; past, too far or both are refused', async () => {
    const at = new Date(Date.now() + 600_000).toISOString();

    const byTime = await submit(app, `?deadline=${encodeURIComponent(at)}`);
    const bySeconds = await submit(app, '?timeoutSeconds=120');
    const byDefault = await submit(app);
    const past = await submit(app, `?deadline=${encodeURIComponent(new Date(Date.now() - 1000).toISOString())}`);
    const tooFar = await submit(app, '?timeoutSeconds=999999999');
    const both = await submit(app, `?timeoutSeconds=60&deadline=${encodeURIComponent(at)}`);

    expect(byTime.body.deadline).toBe(at);
    expect(Date.parse(bySeconds.body.deadline) - Date.parse(bySeconds.body.createdAt)).toBe(120_000);
    expect(Date.parse(byDefault.body.deadline) - Date.parse(byDefault.body.createdAt)).toBe(3600_000);
    for (const res of [past, tooFar, both]) expect(res.status).toBe(400);
    await Promise.all([byTime, bySeconds, byDefault].map((res) => finished(res.body.jobId)));
  });

  test('when a job has not ended by its deadline and the grace after it (no worker took it), then Temporal ends it and reads say ERROR JOB_TIMEOUT', async () => {
    const strict = createApp({
      // A queue of its own: jobs other tests left waiting would make this short-deadline job refused as OVERLOADED.
      config: loadConfig({ ...harness.idleAppSettings, JOB_TIMEOUT_GRACE_SECONDS: '1', TEMPORAL_TASK_QUEUE: `strict-${randomUUID()}` }),
      client: harness.env.client,
      blobs: harness.fixture.blobs,
      logger: testLogger,
      languages: installedLanguages(),
    });
    const res = await submit(strict, '?timeoutSeconds=1');

    const description = await harness.env.client.workflow.getHandle(res.body.jobId).describe();
    const ended = await eventually(
      () => request(strict).get(`/jobs/${res.body.jobId}`),
      (read) => isTerminalStatus(read.body.status),
    );

    expect(description.raw.executionConfig?.workflowExecutionTimeout?.seconds?.toString()).toBe('2');
    expect(ended.body).toMatchObject({ status: 'ERROR', error: { code: 'JOB_TIMEOUT', retryable: true } });
    expect(ended.body.error.message).toMatch(/did not end by its deadline/);
  });

  test('when pages name pages the document lacks, then the job ends ERROR with PAGE_OUT_OF_RANGE at load', async () => {
    const res = await submit(app, '?pages=1-2');

    const ended = await finished(res.body.jobId);
    expect(ended.body.error).toMatchObject({ code: 'PAGE_OUT_OF_RANGE', retryable: false, failedStep: 'load' });
  });
});

describe('documents by URL', () => {
  let server: Awaited<ReturnType<typeof startFileServer>>;
  let flakyCalls = 0;

  beforeAll(async () => {
    server = await startFileServer({
      '/scan.png': serve(png),
      '/flaky.png': (req, res) => {
        flakyCalls += 1;
        if (flakyCalls <= 1) res.writeHead(503).end();
        else serve(png)(req, res);
      },
      '/to-metadata': (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end(),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('when JSON names a sourceUrl, then the worker fetches it and the job reads it', async () => {
    const res = await request(app)
      .post('/jobs')
      .send({ sourceUrl: server.url('/scan.png'), languages: 'eng', metadata: { via: 'url' } });

    expect(res.status).toBe(202);
    const done = await finished(res.body.jobId);
    expect(done.body).toMatchObject({ status: 'DONE', metadata: { via: 'url' }, document: { mediaType: 'image/png' } });
    expect(words(done.body.result.text)).toEqual(words('Contract tests read this line two 2026'));
  });

  test('when the first download fails, then the fetch step is retried and the job still ends DONE', async () => {
    const res = await request(app).post('/jobs').send({ sourceUrl: server.url('/flaky.png') });

    const done = await finished(res.body.jobId);
    expect(done.body.status).toBe('DONE');
    expect(flakyCalls).toBe(2);
  });

  test('when the sourceUrl redirects to a link-local address, then the job ends ERROR with SOURCE_FORBIDDEN at fetch', async () => {
    const res = await request(app).post('/jobs').send({ sourceUrl: server.url('/to-metadata') });

    const ended = await finished(res.body.jobId);
    expect(ended.body.error).toMatchObject({ code: 'SOURCE_FORBIDDEN', retryable: false, failedStep: 'fetch' });
  });

  test('when the JSON is not a valid request, then 400 with field errors', async () => {
    const missing = await request(app).post('/jobs').send({ languages: 'eng' });
    const badScheme = await request(app).post('/jobs').send({ sourceUrl: 'file:///etc/passwd' });
    const broken = await request(app).post('/jobs').set('Content-Type', 'application/json').send('{"sourceUrl":');

    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('body.sourceUrl');
    expect(badScheme.status).toBe(400);
    expect(broken.status).toBe(400);
    expect(broken.headers['content-type']).toMatch(/problem\+json/);
  });
});

describe('watching a job', () => {
  test('when a job is accepted or still running, then Retry-After says when to poll; a finished job has none', async () => {
    const accepted = await submit(idleApp);
    const pending = await request(idleApp).get(`/jobs/${accepted.body.jobId}`);
    const jobId = await doneJob();
    const done = await request(app).get(`/jobs/${jobId}`);

    expect(Number(accepted.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(pending.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(done.headers['retry-after']).toBeUndefined();
  });

  test('when a poll sends the current ETag in If-None-Match, then 304 with no body', async () => {
    const jobId = await doneJob();
    const first = await request(app).get(`/jobs/${jobId}`);

    const again = await request(app).get(`/jobs/${jobId}`).set('If-None-Match', first.headers.etag!);
    const stale = await request(app).get(`/jobs/${jobId}`).set('If-None-Match', '"something-else"');

    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(stale.status).toBe(200);
  });

  test('when fetch() sends the ETag back (adding Cache-Control: no-cache, as the Fetch standard says), then 304 for the job and its result', async () => {
    const jobId = await doneJob();
    const server = await listen(app, harness.fixture.config);
    try {
      const job = await fetch(`${server.base}/jobs/${jobId}`);
      const result = await fetch(`${server.base}/jobs/${jobId}/result?format=text`);
      const [jobTag, resultTag] = [job.headers.get('etag')!, result.headers.get('etag')!];

      const jobAgain = await fetch(`${server.base}/jobs/${jobId}`, { headers: { 'If-None-Match': jobTag } });
      const listedWeak = await fetch(`${server.base}/jobs/${jobId}`, { headers: { 'If-None-Match': `"other", W/${jobTag}` } });
      const resultAgain = await fetch(`${server.base}/jobs/${jobId}/result?format=text`, { headers: { 'If-None-Match': resultTag } });
      const stale = await fetch(`${server.base}/jobs/${jobId}`, { headers: { 'If-None-Match': '"other"' } });

      expect([job.status, result.status]).toEqual([200, 200]);
      expect(jobAgain.status).toBe(304);
      expect(await jobAgain.text()).toBe('');
      expect(listedWeak.status).toBe(304);
      expect(resultAgain.status).toBe(304);
      expect(stale.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test('when many identical polls arrive together, then one status read of Temporal serves them', async () => {
    const calls: string[] = [];
    const connection = await Connection.connect({
      address: harness.env.address,
      interceptors: [
        (options, next) => {
          calls.push(options.method_definition.path);
          return new (require('@grpc/grpc-js').InterceptingCall)(next(options));
        },
      ],
    });
    const counted = createApp({
      config: harness.idleAppConfig,
      client: new Client({ connection }),
      blobs: harness.fixture.blobs,
      logger: testLogger,
      languages: ['eng'],
    });
    try {
      const accepted = await request(counted).post('/jobs').set('Content-Type', 'image/png').send(png);
      calls.length = 0;

      const polls = await Promise.all(Array.from({ length: 20 }, () => request(counted).get(`/jobs/${accepted.body.jobId}`)));

      expect(polls.every((res) => res.status === 200)).toBe(true);
      expect(calls.filter((path) => path.endsWith('/DescribeWorkflowExecution'))).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });

  test('when a job is read, then its links lead to itself, its result, its cancel, its event stream and its workflow in the Web UI', async () => {
    const accepted = await submit();

    expect(accepted.body.links).toEqual({
      self: `/jobs/${accepted.body.jobId}`,
      result: `/jobs/${accepted.body.jobId}/result`,
      cancel: `/jobs/${accepted.body.jobId}/cancel`,
      events: `/jobs/${accepted.body.jobId}/events`,
      temporalUi: `http://localhost:8233/namespaces/default/workflows/${accepted.body.jobId}`,
    });
    expectMatchesOpenApi(accepted, '/jobs', 'post');
    await finished(accepted.body.jobId);
  });
});

describe('results', () => {
  let jobId: string;

  beforeAll(async () => {
    jobId = await doneJob('?outputs=hocr,pdf');
  });

  test('when text is asked for, by format or by Accept, then the plain text comes back', async () => {
    const byFormat = await request(app).get(`/jobs/${jobId}/result?format=text`);
    const byAccept = await request(app).get(`/jobs/${jobId}/result`).set('Accept', 'text/plain');

    for (const res of [byFormat, byAccept]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(words(res.text)).toEqual(words('Contract tests read this line two 2026'));
    }
  });

  test('when JSON is asked for (the default), then pages hold blocks, lines and words with boxes and confidence', async () => {
    const res = await request(app).get(`/jobs/${jobId}/result`);

    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectMatchesOpenApi(res, '/jobs/{jobId}/result', 'get');
    const firstWord = res.body.pages[0].blocks[0].lines[0].words[0];
    expect(firstWord).toMatchObject({ text: 'Contract', bbox: { x0: expect.any(Number), y1: expect.any(Number) } });
    expect(firstWord.confidence).toBeGreaterThan(50);
  });

  test('when hOCR or PDF is asked for and was produced, then it comes back in its media type', async () => {
    const hocr = await request(app).get(`/jobs/${jobId}/result`).set('Accept', 'text/html');
    const pdf = await request(app)
      .get(`/jobs/${jobId}/result?format=pdf`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

    expect(hocr.headers['content-type']).toMatch(/^text\/html/);
    expect(hocr.text).toContain('ocrx_word');
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((await PDFDocument.load(pdf.body as Buffer)).getPageCount()).toBe(1);
  });

  test('when a format is unknown or was not produced, then 406', async () => {
    const plain = await doneJob();

    const unknown = await request(app).get(`/jobs/${jobId}/result?format=docx`);
    const notProduced = await request(app).get(`/jobs/${plain}/result?format=pdf`);
    const unacceptable = await request(app).get(`/jobs/${plain}/result`).set('Accept', 'application/pdf');

    for (const res of [unknown, notProduced, unacceptable]) {
      expect(res.status).toBe(406);
      expect(res.body.code).toBe('NOT_ACCEPTABLE');
    }
  });

  test('when the job has not finished, then 409 with Retry-After', async () => {
    const accepted = await submit(idleApp);

    const res = await request(idleApp).get(`/jobs/${accepted.body.jobId}/result`);

    expect(res.status).toBe(409);
    expect(res.body.code).toBe('JOB_NOT_FINISHED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectMatchesOpenApi(res, '/jobs/{jobId}/result', 'get');
  });

  test('when the result is stored, then it lives in the blob store, not in workflow history', async () => {
    const history = await harness.env.client.workflow.getHandle(jobId).fetchHistory();
    const text = readFileSync(path.join(harness.fixture.config.blobDir, jobKeys.resultText({ jobId })), 'utf8');

    expect(JSON.stringify(history)).not.toContain(text.trim().split('\n')[0]!.slice(0, 20));
  });
});

describe('cancel', () => {
  test('when a waiting job is cancelled, then 202 and it ends CANCELLED; cancelling again is harmless', async () => {
    const accepted = await submit(idleApp);

    const first = await request(idleApp).post(`/jobs/${accepted.body.jobId}/cancel`);
    // The cancellation takes effect when a worker first runs the job.
    const worker = await harness.runIdleWorker();
    const ended = await finished(accepted.body.jobId, idleApp).finally(() => worker.stop());
    const second = await request(idleApp).post(`/jobs/${accepted.body.jobId}/cancel`);

    expect(first.status).toBe(202);
    expectMatchesOpenApi(first, '/jobs/{jobId}/cancel', 'post');
    expect(ended.body).toMatchObject({ status: 'CANCELLED', result: null });
    expect(second.status).toBe(202);
    expect(second.body.status).toBe('CANCELLED');
  });

  test('when a job is cancelled while a page is being recognised, then it ends CANCELLED and the worker goes on', async () => {
    const long = await renderText({ lines: Array.from({ length: 80 }, (_, i) => `Line ${i} of a long page to keep the engine busy`) });
    const accepted = await request(app).post('/jobs').set('Content-Type', 'image/png').send(long);
    await eventually(
      () => request(app).get(`/jobs/${accepted.body.jobId}`),
      (res) => res.body.step === 'recognize',
    );

    const cancelled = await request(app).post(`/jobs/${accepted.body.jobId}/cancel`);
    const ended = await finished(accepted.body.jobId);

    expect(cancelled.status).toBe(202);
    expect(ended.body.status).toBe('CANCELLED');
    expect(await harness.fixture.blobs.exists(jobKeys.resultSummary({ jobId: accepted.body.jobId }))).toBe(false);
    await doneJob();
  });

  test('when a finished job is cancelled, then 409 saying its status', async () => {
    const jobId = await doneJob();

    const res = await request(app).post(`/jobs/${jobId}/cancel`);

    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'JOB_FINISHED' });
    expect(res.body.detail).toContain('DONE');
  });
});

describe('delete', () => {
  test('when a finished job is deleted, then 204, its files are gone and every read says 410', async () => {
    const jobId = await doneJob();
    await request(app).get(`/jobs/${jobId}`);

    const deleted = await request(app).delete(`/jobs/${jobId}`);

    expect(deleted.status).toBe(204);
    expect(await harness.fixture.blobs.exists(jobKeys.resultSummary({ jobId }))).toBe(false);
    for (const res of [
      await request(app).get(`/jobs/${jobId}`),
      await request(app).get(`/jobs/${jobId}/result`),
      await request(app).delete(`/jobs/${jobId}`),
    ]) {
      expect(res.status).toBe(410);
      expect(res.body.code).toBe('JOB_DELETED');
    }
  });

  test('when a running job is to be deleted, then 409', async () => {
    const accepted = await submit(idleApp);

    const res = await request(idleApp).delete(`/jobs/${accepted.body.jobId}`);

    expect(res.status).toBe(409);
    expect(res.body.code).toBe('JOB_NOT_FINISHED');
  });
});

describe('list', () => {
  test('when jobs are listed, then newest come first, a status filters, and the cursor pages through', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await doneJob(`?metadata=${encodeURIComponent(JSON.stringify({ n: String(i) }))}`));
    await eventually(
      () => request(app).get('/jobs?status=DONE&limit=100'),
      (res) => ids.every((id) => res.body.items.some((job: { jobId: string }) => job.jobId === id)),
    );

    const first = await request(app).get('/jobs?status=DONE&limit=2');
    const second = await request(app).get(`/jobs?status=DONE&limit=2&cursor=${first.body.nextCursor}`);

    expectMatchesOpenApi(first, '/jobs', 'get');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items.map((job: { jobId: string }) => job.jobId)).toEqual([ids[2], ids[1]]);
    expect(second.body.items[0].jobId).toBe(ids[0]);
    expect(first.body.items.every((job: { status: string }) => job.status === 'DONE')).toBe(true);
    const created = [...first.body.items, ...second.body.items].map((job: { createdAt: string }) => job.createdAt);
    expect(created).toEqual([...created].sort().reverse());
  });

  test('when jobs finish in another order than they were created, then the list is still newest created first', async () => {
    // A job no worker takes stays running; it is ended by an operator only after the others finish.
    const oldest = (await submit(idleApp)).body.jobId as string;
    const middle = await doneJob();
    const newest = await doneJob();
    await harness.env.client.workflow.getHandle(oldest).terminate('ended last on purpose');
    const ours = [newest, middle, oldest];

    const seen: Array<{ jobId: string; createdAt: string }> = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(app).get(`/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);

    expect(seen.map((job) => job.jobId).filter((id) => ours.includes(id))).toEqual(ours);
    expect(new Set(seen.map((job) => job.jobId)).size).toBe(seen.length);
    const created = seen.map((job) => job.createdAt);
    expect(created).toEqual([...created].sort().reverse());
  });

  test('when RETRYING is asked for, then 400 says it is only seen on a job itself', async () => {
    const res = await request(app).get('/jobs?status=RETRYING');

    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'query.status', message: expect.stringContaining('list PROCESSING jobs instead') }]);
  });

  test('when the query is invalid, then 400', async () => {
    expect((await request(app).get('/jobs?status=FINISHED')).status).toBe(400);
    expect((await request(app).get('/jobs?limit=0')).status).toBe(400);
    expect((await request(app).get('/jobs?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });
});

describe('documentation', () => {
  test('when /openapi.json is read, then it is an OpenAPI 3.1 document of every route', async () => {
    const res = await request(app).get('/openapi.json');

    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        '/healthz',
        '/jobs',
        '/jobs/{jobId}',
        '/jobs/{jobId}/cancel',
        '/jobs/{jobId}/result',
        '/jobs/{jobId}/events',
        '/jobs/{jobId}/deliveries',
        '/jobs/{jobId}/deliveries/{deliveryId}/redeliver',
        '/readyz',
      ].sort(),
    );
    expect(res.body.components.schemas).toHaveProperty('Job');
  });

  test('when /docs is opened, then a reference page is served from installed assets', async () => {
    const page = await request(app).get('/docs/').redirects(1);

    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
    expect(page.text).not.toMatch(/https?:\/\/(cdn|unpkg)/);
  });

  test('when a problem type is followed, then the error catalogue has an entry for it', async () => {
    const problem = await request(app).get('/jobs/00000000-0000-4000-8000-000000000000');
    const catalogue = await request(app).get('/docs/errors');

    const anchor = problem.body.type.split('#')[1];
    expect(catalogue.status).toBe(200);
    expect(catalogue.text).toContain(`id="${anchor}"`);
  });

  test('when error codes exist, then each is in the catalogue, and docs/errors.md matches it', () => {
    const jobCodes = JOB_ERRORS.map((entry) => entry.code);
    const httpCodes = HTTP_ERRORS.map((entry) => entry.code);

    expect([...jobCodes].sort()).toEqual(Object.values(JobErrorCode).sort());
    expect(new Set(httpCodes).size).toBe(httpCodes.length);
    expect(readFileSync(path.join(PROJECT_ROOT, 'docs/errors.md'), 'utf8')).toBe(catalogueMarkdown());
  });
});
