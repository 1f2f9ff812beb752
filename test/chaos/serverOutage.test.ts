// Temporal itself goes away: the API says so at once, and everything recovers when it is back.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { createTemporalClient } from '../../src/temporal/connection';
import { createStage, finished, longPage, recognitionRunning, submitPng, type Stage } from '../helpers/chaos';
import { renderText, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { freePort } from '../helpers/ports';
import { DevServer } from '../helpers/processes';

const RPC_TIMEOUT_MS = 2000;

let server: DevServer;
let stage: Stage;
let client: Client;
let app: Express;

beforeAll(async () => {
  const port = await freePort();
  stage = await createStage(`127.0.0.1:${port}`, {
    TEMPORAL_RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS),
    STATUS_QUERY_TIMEOUT_MS: '1000',
  });
  server = new DevServer(port, path.join(stage.dataDir, 'temporal.db'));
  await server.start();
  // The API's own client, as server.ts makes it: lazy, reconnecting.
  client = createTemporalClient(stage.config);
  app = stage.app(client);
});
afterAll(async () => {
  await stage?.close();
  await server?.stop();
  await client?.connection.close();
});

test('when the Temporal server goes away, then the API answers 503 in bounded time, and when it is back the jobs finish', async () => {
  await stage.startWorker();
  const runningId = await submitPng(app, await longPage(60));
  await recognitionRunning(client, runningId);

  const refused = await renderText({ lines: ['Refused'] });
  await server.stop();
  // The API's answer is timed, not the rendering of the test's page.
  const started = Date.now();
  const submit = await request(app).post('/jobs').set('Content-Type', 'image/png').send(refused);
  const submitMs = Date.now() - started;
  const status = await request(app).get(`/jobs/${runningId}`);
  const ready = await request(app).get('/readyz');

  for (const res of [submit, status, ready]) {
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('TEMPORAL_UNAVAILABLE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  }
  // Without its deadline the call would wait for the server for ever; the margin is for busy machines.
  expect(submitMs).toBeLessThan(RPC_TIMEOUT_MS + 10_000);

  await server.start();
  await eventually(
    () => request(app).get('/readyz'),
    (res) => res.status === 200,
    30_000,
  );
  expect((await finished(app, runningId, 120_000)).body.status).toBe('DONE');
  const after = await submitPng(app, await renderText({ lines: ['Accepted again'] }));
  const done = await finished(app, after);
  expect(words(done.body.result.text)).toEqual(['accepted', 'again']);
}, 240_000);
