// Workers that die: a page moves to another worker, and status answers with none left.
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import sharp from 'sharp';
import request from 'supertest';
import { pageBatchWorkflowId } from '../../src/shared/pageBatches';
import { createStage, finished, LONG_PAGE_FIRST_WORDS, longPage, pidOf, recognitionRunning, submitPng, type Stage } from '../helpers/chaos';
import { renderText, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { startTestServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let stage: Stage;
let page: Buffer;

beforeAll(async () => {
  env = await startTestServer();
  stage = await createStage(env.address);
  page = await longPage();
});
afterEach(async () => {
  await stage.stopWorkers();
});
afterAll(async () => {
  await stage?.close();
  await env?.teardown();
});

describe('a worker killed mid-page', () => {
  test('when the worker recognising a page is killed, then another worker takes the page after its heartbeat timeout and the job ends DONE', async () => {
    const workers = [await stage.startWorker(), await stage.startWorker()];
    const app = stage.app(env.client);
    const jobId = await submitPng(app, page);
    const running = await recognitionRunning(env.client, jobId);
    const watched = await eventually(
      () => request(app).get(`/jobs/${jobId}`),
      (res) => res.body.lastHeartbeatAt !== null,
    );

    const victim = workers.find((worker) => worker.pid === pidOf(running.lastWorkerIdentity!))!;
    const survivor = workers.find((worker) => worker !== victim)!;
    await victim.stop('SIGKILL');
    const done = await finished(app, jobId);
    const stallWarning = await eventually(
      async () => survivor.output().split('\n').filter((line) => line.includes('step stalled')),
      (lines) => lines.length > 0,
    );

    expect(watched.body).toMatchObject({ status: 'PROCESSING', step: 'recognize', stalled: false });
    expect(done.body.status).toBe('DONE');
    expect(words(done.body.result.text).slice(0, 6)).toEqual(LONG_PAGE_FIRST_WORDS);
    expect(words(done.body.result.text)).toContain('90');
    // History keeps the attempt that finished: the second, after the first timed out on heartbeats.
    const history = await env.client.workflow.getHandle(jobId).fetchHistory();
    const started = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes).filter((a) => a && a.attempt! > 1);
    expect(started).toHaveLength(1);
    expect(started[0]!.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    // The worker that took the page over says the step stalled, naming the job, step and page.
    expect(JSON.parse(stallWarning[0]!)).toMatchObject({ level: 40, jobId, step: 'recognize', page: 1, attempt: 2, stalledAttempt: 1, timeout: 'heartbeat' });
  }, 120_000);
});

/**
 * A read that waited for a worker would wait for ever; one that gives up on the status query
 * answers after STATUS_QUERY_TIMEOUT_MS. The bound between is generous, for busy machines.
 */
const READ_BOUND_MS = 1500 + 5000;

describe('a worker killed mid-page in a batch of a large document', () => {
  test('when the worker recognising a page of the second batch is killed, then that page moves to another worker, no finished page is read again, and the job ends DONE', async () => {
    const workers = [await stage.startWorker({ PAGE_BATCH_SIZE: '2' }), await stage.startWorker({ PAGE_BATCH_SIZE: '2' })];
    const app = stage.app(env.client);
    const pages = await Promise.all([1, 2, 3, 4].map(() => longPage(40)));
    const tiff = await sharp(pages, { join: { animated: true } }).tiff().toBuffer();
    const res = await request(app).post('/jobs').set('Content-Type', 'image/tiff').send(tiff);
    expect(res.status).toBe(202);
    const jobId = res.body.jobId as string;
    const secondBatch = pageBatchWorkflowId(jobId, 2);
    await eventually(() => env.client.workflow.getHandle(secondBatch).describe().then(() => true, () => false), (started) => started, 120_000);
    const running = await recognitionRunning(env.client, secondBatch);
    // The job's status reads the running batch's steps: its heartbeats show.
    const watched = await eventually(() => request(app).get(`/jobs/${jobId}`), (r) => r.body.lastHeartbeatAt !== null);

    await workers.find((worker) => worker.pid === pidOf(running.lastWorkerIdentity!))!.stop('SIGKILL');
    const done = await finished(app, jobId, 180_000);

    expect(watched.body).toMatchObject({ status: 'PROCESSING', step: 'recognize', pages: { total: 4 } });
    expect(done.body).toMatchObject({ status: 'DONE', pages: { total: 4, done: 4, failed: 0 } });
    expect(done.body.result.pages.map((page: { page: number }) => page.page)).toEqual([1, 2, 3, 4]);
    // Each page was recognised to the end once; only the page that was running took a second attempt.
    const completed: Array<{ page: number; attempt: number }> = [];
    for (const batch of [1, 2]) {
      const events = (await env.client.workflow.getHandle(pageBatchWorkflowId(jobId, batch)).fetchHistory()).events ?? [];
      const scheduled = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recognizePage').map((e) => [Number(e.eventId), e]));
      const started = new Map(events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => [Number(e.eventId), e.activityTaskStartedEventAttributes!.attempt!]));
      for (const e of events) {
        const attributes = e.activityTaskCompletedEventAttributes;
        if (!attributes || !scheduled.has(Number(attributes.scheduledEventId))) continue;
        const input = scheduled.get(Number(attributes.scheduledEventId))!.activityTaskScheduledEventAttributes!.input!.payloads![0]!;
        const { page } = JSON.parse(Buffer.from(input.data!).toString('utf8')) as { page: number };
        completed.push({ page, attempt: started.get(Number(attributes.startedEventId))! });
      }
    }
    expect(completed.map(({ page }) => page).sort()).toEqual([1, 2, 3, 4]);
    // Pages of a batch run one at a time here (one engine): the running one was page 3.
    expect(completed.filter(({ attempt }) => attempt > 1)).toEqual([{ page: 3, attempt: 2 }]);
  }, 240_000);
});

describe('status with every worker stopped', () => {
  test('when no worker runs, then GET answers without waiting for one: finished jobs in full, running ones from their last record', async () => {
    const worker = await stage.startWorker();
    const app = stage.app(env.client);
    const doneId = await submitPng(app, await renderText({ lines: ['Finished before the lights went out'] }));
    await finished(app, doneId);
    const runningId = await submitPng(app, page);
    await recognitionRunning(env.client, runningId);

    await worker.stop('SIGKILL');
    const fresh = stage.app(env.client);
    const started = Date.now();
    const doneRead = await request(fresh).get(`/jobs/${doneId}`);
    const doneMs = Date.now() - started;
    const runningRead = await request(fresh).get(`/jobs/${runningId}`);
    const runningMs = Date.now() - started - doneMs;

    expect(doneRead.status).toBe(200);
    expect(doneRead.body).toMatchObject({ status: 'DONE', live: true });
    expect(words(doneRead.body.result.text)).toEqual(['finished', 'before', 'the', 'lights', 'went', 'out']);
    expect(doneMs).toBeLessThan(READ_BOUND_MS);
    expect(runningRead.status).toBe(200);
    expect(runningRead.body).toMatchObject({ status: 'PROCESSING', live: false, step: 'recognize' });
    expect(runningMs).toBeLessThan(READ_BOUND_MS);

    await stage.startWorker();
    expect((await finished(fresh, runningId)).body.status).toBe('DONE');
  }, 150_000);
});
