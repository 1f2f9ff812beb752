// Jobs with BLOB_STORE=s3 on a real S3-compatible server (SeaweedFS): documents, pages and
// results live in the bucket and nowhere under DATA_DIR; results come by presigned URL; and the
// retention schedule expires finished jobs, whose reads then answer 410.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { retentionScheduleId } from '../../src/shared/retention';
import { jobKeys } from '../../src/storage/blobStore';
import { ensureRetentionSchedule } from '../../src/temporal/retentionSchedule';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';
import { testLogger } from '../helpers/logger';
import { freePort } from '../helpers/ports';
import { startSeaweedFs, type SeaweedFs } from '../helpers/seaweedfs';

jest.setTimeout(240_000);

/** Long enough for a job to be submitted and finish inside it on a busy machine. */
const RETENTION_SECONDS = 30;

let seaweed: SeaweedFs;
let harness: ApiHarness;
let api: Listening;
const bucket = `jobs-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  seaweed = await startSeaweedFs();
  harness = await startApiHarness({
    ...seaweed.env(bucket),
    RESULT_REDIRECT: 'presigned',
    RETENTION_DAYS: String(RETENTION_SECONDS / 86_400),
  });
  api = await listen(harness.app, harness.fixture.config);
});

afterAll(async () => {
  await api?.close();
  await harness?.stop();
  await seaweed?.stop();
});

interface JobBody {
  jobId: string;
  status: string;
  completedAt: string | null;
}

async function submit(document: Buffer): Promise<string> {
  const res = await fetch(`${api.base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: document });
  expect(res.status).toBe(202);
  return ((await res.json()) as JobBody).jobId;
}

async function finished(jobId: string): Promise<JobBody> {
  return eventually(
    async () => (await (await fetch(`${api.base}/jobs/${jobId}`)).json()) as JobBody,
    (job) => job.completedAt !== null,
    120_000,
  );
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

test('when blobs are kept in S3, then a job runs DONE, its result comes by a presigned URL, and nothing of it is under DATA_DIR', async () => {
  const jobId = await submit(await renderText({ lines: ['Invoice 4711 paid'] }));
  expect(await finished(jobId)).toMatchObject({ status: 'DONE' });

  const answer = await fetch(`${api.base}/jobs/${jobId}/result?format=text`, { redirect: 'manual' });
  expect(answer.status).toBe(303);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  const location = answer.headers.get('location') ?? '';
  expect(location.startsWith(`${seaweed.endpoint}/${bucket}/`)).toBe(true);
  // A client that follows redirects reads the result straight from the bucket.
  const followed = await fetch(`${api.base}/jobs/${jobId}/result?format=text`);
  expect(followed.status).toBe(200);
  expect(followed.url.startsWith(seaweed.endpoint)).toBe(true);
  expect(followed.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(await followed.text()).toMatch(/Invoice 4711 paid/);

  const { blobs, dataDir } = harness.fixture;
  expect(await blobs.list(jobKeys.root({ jobId, tenant: undefined }))).toEqual(['result', 'runs', 'source']);
  // The OCR engine's language data is all a worker keeps on its disk.
  expect((await filesUnder(dataDir)).filter((file) => !file.startsWith('tessdata'))).toEqual([]);
});

test('when a finished job is older than RETENTION_DAYS, then the retention schedule removes its blobs and its reads answer 410 JOB_EXPIRED', async () => {
  const { env, fixture } = harness;
  const done = await submit(await renderText({ lines: ['Expires soon'] }));
  const failed = await submit((await renderText({ lines: ['Cut short'] })).subarray(0, 200));
  const ended = [await finished(done), await finished(failed)];
  expect(ended.map((job) => job.status)).toEqual(['DONE', 'ERROR']);
  const expiresAt = Math.max(...ended.map((job) => Date.parse(job.completedAt ?? ''))) + RETENTION_SECONDS * 1000;
  await eventually(async () => Date.now(), (now) => now > expiresAt, (RETENTION_SECONDS + 30) * 1000);
  // Finished just now: within its retention when the sweep runs.
  const recent = await submit(await renderText({ lines: ['Kept a while'] }));
  expect(await finished(recent)).toMatchObject({ status: 'DONE' });

  await ensureRetentionSchedule(env.client, { taskQueue: fixture.config.temporal.taskQueue, retentionDays: fixture.config.retention.days }, testLogger);
  const schedule = env.client.schedule.getHandle(retentionScheduleId(fixture.config.temporal.taskQueue));
  await schedule.trigger();
  const { info } = await eventually(() => schedule.describe(), (described) => described.info.recentActions.length > 0);
  const { workflow } = info.recentActions[0]!.action;
  const sweep = await env.client.workflow.getHandle(workflow.workflowId, workflow.firstExecutionRunId).result();
  const gone = await fetch(`${api.base}/jobs/${done}`);

  // The two above, and the first test's job when it ran before.
  expect(sweep.expired).toBeGreaterThanOrEqual(2);
  expect(gone.status).toBe(410);
  expect(gone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await gone.json()).toMatchObject({ status: 410, code: 'JOB_EXPIRED' });
  for (const read of [`/jobs/${done}/result`, `/jobs/${failed}`]) {
    const res = await fetch(`${api.base}${read}`);
    expect([read, res.status, ((await res.json()) as { code: string }).code]).toEqual([read, 410, 'JOB_EXPIRED']);
  }
  expect(await fixture.blobs.list(jobKeys.root({ jobId: done, tenant: undefined }))).toEqual([]);
  expect(await fixture.blobs.list(jobKeys.root({ jobId: failed, tenant: undefined }))).toEqual([]);
  const kept = await fetch(`${api.base}/jobs/${recent}/result?format=text`);
  expect(kept.status).toBe(200);
  expect(await kept.text()).toMatch(/Kept a while/);
});

test('when the bucket cannot be made, then the API and the worker stop at start with exit 2, saying why', async () => {
  // A name S3 refuses (two dots in a row): the server answers 400, which waiting cannot mend.
  const settings = {
    ...seaweed.env('not..a-bucket'),
    TEMPORAL_ADDRESS: harness.env.address,
    DATA_DIR: harness.fixture.dataDir,
    OCR_POOL_SIZE: '1',
    HOST: '127.0.0.1',
  };

  const [worker, apiProcess] = await Promise.all([
    runToExit('worker/main.js', settings),
    runToExit('api/server.js', { ...settings, PORT: String(await freePort()) }),
  ]);

  for (const { code, output } of [worker, apiProcess]) {
    expect([code, output]).toEqual([2, expect.stringContaining('S3 bucket not..a-bucket does not exist and cannot be created')]);
  }
});

/** Runs a built entry point to its exit; its exit code and what it printed. */
function runToExit(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src', script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}
