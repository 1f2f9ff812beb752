// Workers that die: a page moves to another worker, and status answers with none left.
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
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
