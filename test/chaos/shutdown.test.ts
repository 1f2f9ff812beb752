// SIGTERM drains: a worker finishes the page it is on, the API answers the requests it has.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createStage, finished, longPage, recognitionRunning, submitPng, type Stage } from '../helpers/chaos';
import { renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { freePort } from '../helpers/ports';
import { startApiProcess } from '../helpers/processes';
import { startTestServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let stage: Stage;

beforeAll(async () => {
  env = await startTestServer();
  stage = await createStage(env.address, { SHUTDOWN_GRACE_MS: '60000' });
});
afterEach(async () => {
  await stage.stopWorkers();
});
afterAll(async () => {
  await stage?.close();
  await env?.teardown();
});

test('when a worker gets SIGTERM mid-page, then it finishes that page, exits 0, and the page is not read again', async () => {
  const worker = await stage.startWorker();
  const app = stage.app(env.client);
  const jobId = await submitPng(app, await longPage(60));
  await recognitionRunning(env.client, jobId);

  const code = await worker.stop('SIGTERM');
  await stage.startWorker();
  const done = await finished(app, jobId);

  expect(code).toBe(0);
  expect(done.body.status).toBe('DONE');
  const history = await env.client.workflow.getHandle(jobId).fetchHistory();
  const recognizeScheduled = (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recognizePage')
    .map((e) => e.eventId?.toString());
  const attempts = (history.events ?? [])
    .filter((e) => recognizeScheduled.includes(e.activityTaskStartedEventAttributes?.scheduledEventId?.toString()))
    .map((e) => e.activityTaskStartedEventAttributes?.attempt);
  expect(attempts).toEqual([1]);
}, 120_000);

test('when the API gets SIGTERM during a request, then it answers that request and exits 0', async () => {
  const port = await freePort();
  const api = await startApiProcess({ ...stage.processEnv, PORT: String(port), HOST: '127.0.0.1', TEMPORAL_TASK_QUEUE: 'nobody-polls-this' });
  const png = await renderText({ lines: ['Waiting for an answer'] });
  // No worker takes this job: the request waits the whole two seconds asked for.
  const inFlight = request(`http://127.0.0.1:${port}`).post('/jobs').set('Prefer', 'wait=2').set('Content-Type', 'image/png').send(png);
  const answered = inFlight.then((res) => res);
  await eventually(async () => api.output(), (out) => out.includes('"msg":"job submitted"'));

  const code = await api.stop('SIGTERM');
  const res = await answered;

  expect(res.status).toBe(202);
  expect(code).toBe(0);
}, 60_000);
