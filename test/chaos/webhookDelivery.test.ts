// A worker killed while it delivers a job's webhook: the delivery is not lost, and the
// application, deduplicating by webhook-id, sees the event exactly once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { createStage, finished, submitPng, type Stage } from '../helpers/chaos';
import { renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import type { RunningProcess } from '../helpers/processes';
import { startTestServer } from '../helpers/temporal';

const SECRET = `whsec_${Buffer.from('the chaos receiver shares this').toString('base64')}`;
let env: TestWorkflowEnvironment;
let stage: Stage;

beforeAll(async () => {
  env = await startTestServer();
  stage = await createStage(env.address, { CALLBACK_URL_ALLOWLIST: '127.0.0.1', WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_MS: '200' });
});
afterEach(async () => {
  await stage.stopWorkers();
});
afterAll(async () => {
  await stage?.close();
  await env?.teardown();
});

test('when the worker delivering a webhook is killed with SIGKILL mid-attempt, then another worker delivers it and the application sees it once', async () => {
  let first: RunningProcess | null = await stage.startWorker();
  const attempts: string[] = [];
  const applied = new Set<string>();
  let killed!: Promise<unknown>;
  // The application behind the receiver: verifies, then applies each webhook-id once.
  const receiver = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      new Webhook(SECRET).verify(raw, req.headers as Record<string, string>);
      const id = String(req.headers['webhook-id']);
      attempts.push(id);
      applied.add(id);
      if (first) {
        // The worker dies after the receiver has the event, before it hears the answer.
        killed = first.stop('SIGKILL');
        first = null;
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const app = stage.app(env.client);
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const jobId = await submitPng(app, await renderText({ lines: ['Deliver me once'] }), `?callbackUrl=${encodeURIComponent(callbackUrl)}`);
    await eventually(async () => attempts.length, (count) => count === 1);
    await killed;
    await stage.startWorker();

    await env.client.workflow.getHandle(`webhooks-${jobId}`).result();
    const listed = await request(app).get(`/jobs/${jobId}/deliveries`);

    expect((await finished(app, jobId)).body.status).toBe('DONE');
    const [delivery] = listed.body.items;
    expect(delivery).toMatchObject({ type: 'job.done', status: 'delivered', attemptCount: 2 });
    expect(delivery.attempts[0].error).toMatch(/did not end in time/);
    expect(attempts).toEqual([delivery.deliveryId, delivery.deliveryId]);
    expect([...applied]).toEqual([delivery.deliveryId]);
  } finally {
    receiver.close();
  }
}, 120_000);
