import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../src/api/app';
import { jobIdForIdempotencyKey } from '../../src/api/jobIds';
import { loadConfig } from '../../src/config';
import { installedLanguages } from '../../src/ocr/languages';
import { FsBlobStore } from '../../src/storage/blobStore';
import { renderText } from '../helpers/images';
import { eventually, workflowCount } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';
import { testLogger } from '../helpers/logger';
import { startTestServer } from '../helpers/temporal';

// Global backpressure, on queues no worker takes (their jobs stay unfinished), with fetch.
let env: TestWorkflowEnvironment;
let dataDir: string;
const servers: Listening[] = [];
const started: string[] = [];

beforeAll(async () => {
  env = await startTestServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-backpressure-'));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  for (const jobId of started) await env.client.workflow.getHandle(jobId).terminate('test over').catch(() => undefined);
  await env?.teardown();
  await rm(dataDir, { recursive: true, force: true });
});

/** An open API on a queue of its own, with these settings. */
async function serve(settings: Record<string, string>): Promise<Listening> {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', TEMPORAL_TASK_QUEUE: `idle-${randomUUID()}`, ...settings });
  const app = createApp({ config, client: env.client, blobs: new FsBlobStore(config.blobDir), logger: testLogger, languages: installedLanguages() });
  const server = await listen(app, config);
  servers.push(server);
  return server;
}

const page = () => renderText({ lines: ['Backpressure'], fontSize: 40, width: 600 });

async function submit(base: string, headers: Record<string, string> = {}, query = ''): Promise<Response> {
  const res = await fetch(`${base}/jobs${query}`, { method: 'POST', headers: { 'Content-Type': 'image/png', ...headers }, body: new Uint8Array(await page()) });
  if (res.status === 202) started.push(((await res.clone().json()) as { jobId: string }).jobId);
  return res;
}

async function expectOverloaded(res: Response): Promise<string> {
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = (await res.json()) as { code: string; detail: string };
  expect(body.code).toBe('OVERLOADED');
  return body.detail;
}

describe('load shedding', () => {
  test('when more pages wait than MAX_BACKLOG_PAGES, then submits get 503 OVERLOADED and no job is started', async () => {
    const api = await serve({ MAX_BACKLOG_PAGES: '2' });
    const key = `shed-${randomUUID()}`;

    // The backlog is looked at about once a second: submits are accepted until it shows.
    const refused = await eventually(() => submit(api.base, { 'Idempotency-Key': `${key}-${randomUUID()}` }), (res) => res.status !== 202);
    const keyed = await submit(api.base, { 'Idempotency-Key': key });

    expect(await expectOverloaded(refused)).toContain('MAX_BACKLOG_PAGES');
    await expectOverloaded(keyed);
    expect(await workflowCount(env.client, jobIdForIdempotencyKey(key, undefined))).toBe(0);
  });

  test("when the pages waiting would keep a job past its deadline, then it is refused with 503 OVERLOADED; a job with time for them is accepted", async () => {
    const api = await serve({});
    expect((await submit(api.base)).status).toBe(202);

    const refused = await eventually(() => submit(api.base, {}, '?timeoutSeconds=1'), (res) => res.status !== 202);
    const patient = await submit(api.base, {}, '?timeoutSeconds=3600');

    expect(await expectOverloaded(refused)).toContain("past the job's deadline");
    expect(patient.status).toBe(202);
  });
});

describe('held requests', () => {
  test('when MAX_CONCURRENT_UPLOADS uploads are being received (each streamed to the blob store as it arrives), then another upload gets 503 OVERLOADED before its body is read; the held one completes', async () => {
    const api = await serve({ MAX_CONCURRENT_UPLOADS: '1' });
    const body = await page();
    // An upload that sends half its body and waits.
    const slow = http.request(`${api.base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png', 'Content-Length': body.length } });
    const answer = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      slow.on('error', reject);
    });
    slow.write(body.subarray(0, body.length >> 1));
    // The upload goes to the blob store as it arrives, not into a buffer of the request.
    const staging = path.join(dataDir, 'blobs', 'uploads');
    const stagedBytes = () =>
      readdir(staging)
        .then((names) => Promise.all(names.map((name) => stat(path.join(staging, name)).then((file) => file.size))))
        .catch(() => [] as number[]);
    await eventually(stagedBytes, (sizes) => sizes.some((size) => size >= body.length >> 1));

    const refused = await eventually(() => submit(api.base), (res) => res.status !== 202);
    slow.end(body.subarray(body.length >> 1));

    expect(await expectOverloaded(refused)).toContain('MAX_CONCURRENT_UPLOADS');
    expect(await answer).toBe(202);
    expect((await submit(api.base)).status).toBe(202);
    // Jobs took their uploads away; nothing stays staged.
    expect(await readdir(staging)).toEqual([]);
  });

  test('when PREFER_WAIT_MAX_REQUESTS long polls are held, then another request asking to wait is answered at once with Preference-Applied wait=0', async () => {
    const api = await serve({ PREFER_WAIT_MAX_REQUESTS: '1' });
    const key = `held-${randomUUID()}`;
    const held = submit(api.base, { Prefer: 'wait=10', 'Idempotency-Key': key });
    // Once its job exists, the first request is being held.
    await eventually(() => workflowCount(env.client, jobIdForIdempotencyKey(key, undefined)), (count) => count === 1);

    const prompt = await submit(api.base, { Prefer: 'wait=5' });

    expect(prompt.status).toBe(202);
    expect(prompt.headers.get('preference-applied')).toBe('wait=0');
    const first = await held;
    expect(first.status).toBe(202);
    expect(first.headers.get('preference-applied')).toBe('wait=10');
  }, 30_000);
});

describe('uploads', () => {
  test('when a document is sent compressed (Content-Encoding: gzip), then 415 says to send it as it is', async () => {
    const api = await serve({});
    const compressed = gzipSync(await page());

    const res = await fetch(`${api.base}/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/png', 'Content-Encoding': 'gzip' },
      body: new Uint8Array(compressed),
    });

    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: expect.stringContaining('Content-Encoding gzip') });
  });
});
