import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { isTerminalStatus } from '../../src/shared/jobs';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { multiPageTiff, renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { freePort } from '../helpers/ports';

// A real receiver on this machine (allowed by CALLBACK_URL_ALLOWLIST), verifying every
// signature with the standardwebhooks library.
const SECRET = `whsec_${Buffer.from('a secret the receiver shares with the service').toString('base64')}`;
let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness({ CALLBACK_URL_ALLOWLIST: '127.0.0.1', WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_MS: '200' });
});
afterAll(async () => {
  await harness?.stop();
});

interface Received {
  at: number;
  headers: Record<string, string>;
  body: { type: string; timestamp: string; sequence: number; data: Record<string, unknown> };
  /** The status of the job's workflow in Temporal when this attempt arrived. */
  jobWorkflowThen: string;
}

/** A receiver that answers each attempt with the next of `statuses` (the last one repeats). */
async function startReceiver(statuses: number[], port = 0) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const headers = req.headers as Record<string, string>;
      // Throws on a bad signature: the receiver then answers 500 and the test sees no delivery.
      const body = new Webhook(SECRET).verify(raw, headers) as Received['body'];
      void harness.env.client.workflow
        .getHandle(String(body.data.jobId))
        .describe()
        .then((job) => {
          received.push({ at: Date.now(), headers, body, jobWorkflowThen: job.status.name });
          res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
          // A receiver that is busy says when to come back.
          if (res.statusCode === 429) res.setHeader('Retry-After', '2');
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function submitWithCallback(callbackUrl: string, { lines = ['Invoice 4711 paid'], events }: { lines?: string[]; events?: string } = {}): Promise<string> {
  const document = await multiPageTiff(lines);
  const query = `callbackUrl=${encodeURIComponent(callbackUrl)}${events ? `&callbackEvents=${events}` : ''}`;
  const res = await request(harness.app).post(`/jobs?${query}`).set('Content-Type', lines.length > 1 ? 'image/tiff' : 'image/png').send(document);
  expect(res.status).toBe(202);
  return res.body.jobId as string;
}

interface Delivery {
  deliveryId: string;
  sequence: number;
  type: string;
  status: string;
  attempts: { at: string; statusCode: number | null; durationMs: number | null; error: string | null }[];
  attemptCount: number;
  reason: string | null;
}

/** The job's deliveries as the API lists them, once `check` holds. */
async function deliveries(jobId: string, check: (items: Delivery[]) => boolean): Promise<Delivery[]> {
  const res = await eventually(() => request(harness.app).get(`/jobs/${jobId}/deliveries`), (r) => r.status === 200 && check(r.body.items));
  return res.body.items as Delivery[];
}

/** Every delivery of the job has ended (delivered or given up). */
const settled = (items: Delivery[]) => items.length > 0 && items.every((item) => item.status !== 'pending');

const finished = (jobId: string) =>
  eventually(() => request(harness.app).get(`/jobs/${jobId}`), (res) => isTerminalStatus(res.body.status));

describe('webhooks', () => {
  test('when the receiver fails twice and then accepts, then the job is DONE without waiting and the signed event arrives with one webhook-id', async () => {
    const receiver = await startReceiver([500, 500, 200]);
    try {
      const jobId = await submitWithCallback(receiver.url);

      const done = await finished(jobId);
      await eventually(async () => receiver.received.length, (count) => count === 3);
      const [delivery] = await deliveries(jobId, settled);
      const job = await eventually(() => request(harness.app).get(`/jobs/${jobId}`), (res) => res.body.notifications.delivered === 1);

      expect(done.body.status).toBe('DONE');
      const last = receiver.received[2]!;
      // The job's workflow had ended while its delivery was still being retried.
      expect(last.jobWorkflowThen).toBe('COMPLETED');
      const webhookId = `evt_${jobId}_${last.body.sequence}`;
      expect(new Set(receiver.received.map((attempt) => attempt.headers['webhook-id']))).toEqual(new Set([webhookId]));
      expect(last.body).toMatchObject({ type: 'job.done', data: { jobId, status: 'DONE', links: { result: `/jobs/${jobId}/result` } } });
      expect(last.headers['webhook-signature']).toMatch(/^v1,/);
      expect(delivery).toMatchObject({ deliveryId: webhookId, type: 'job.done', status: 'delivered', attemptCount: 3 });
      expect(delivery!.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 200]);
      expect(delivery!.attempts.every((attempt) => typeof attempt.durationMs === 'number')).toBe(true);
      expect(delivery!.attempts[0]!.error).toMatch(/HTTP 500/);
      expect(job.body.notifications).toMatchObject({ url: receiver.url, events: 'terminal', delivered: 1, pending: 0, failed: 0 });
      expect(job.body.notifications.lastError).toMatch(/HTTP 500/);
    } finally {
      await receiver.close();
    }
  });

  test('when the receiver is down for the whole job, then the job ends on time, the event is delivered once it is back, and redeliver sends it again', async () => {
    const port = await freePort();
    const jobId = await submitWithCallback(`http://127.0.0.1:${port}/hook`);
    expect((await finished(jobId)).body.status).toBe('DONE');
    // Bring the receiver up only once an attempt has failed against it.
    await deliveries(jobId, (items) => items[0]?.attempts.some((attempt) => attempt.statusCode === null && attempt.error) ?? false);

    const receiver = await startReceiver([200], port);
    try {
      const [delivered] = await deliveries(jobId, settled);
      const redeliver = await request(harness.app).post(`/jobs/${jobId}/deliveries/${delivered!.deliveryId}/redeliver`);
      await eventually(async () => receiver.received.length, (count) => count === 2);
      const [again] = await deliveries(jobId, (items) => items[0]?.attemptCount === delivered!.attemptCount + 1 && settled(items));

      expect(delivered).toMatchObject({ status: 'delivered', type: 'job.done' });
      expect(delivered!.attemptCount).toBeGreaterThan(1);
      expect(redeliver.status).toBe(202);
      expect(receiver.received.map((attempt) => attempt.body.type)).toEqual(['job.done', 'job.done']);
      expect(receiver.received.map((attempt) => attempt.headers['webhook-id'])).toEqual([delivered!.deliveryId, delivered!.deliveryId]);
      expect(again).toMatchObject({ status: 'delivered' });
      expect(again!.attempts.at(-1)).toMatchObject({ statusCode: 200, error: null });
    } finally {
      await receiver.close();
    }
  });

  test('when the receiver answers 410 Gone, then deliveries stop; when it keeps refusing with 4xx, it is given up after three attempts', async () => {
    const gone = await startReceiver([410]);
    const refusing = await startReceiver([400]);
    try {
      const [goneJob, refusedJob] = await Promise.all([submitWithCallback(gone.url), submitWithCallback(refusing.url)]);

      const [goneDelivery, refusedDelivery] = (await Promise.all([goneJob, refusedJob].map((jobId) => deliveries(jobId, settled)))).map(
        (items) => items[0],
      );

      expect(goneDelivery).toMatchObject({ status: 'failed', attemptCount: 1, reason: expect.stringMatching(/410/) });
      expect(refusedDelivery).toMatchObject({ status: 'failed', attemptCount: 3 });
      expect(refusedDelivery!.attempts.map((attempt) => attempt.statusCode)).toEqual([400, 400, 400]);
      expect(refusing.received).toHaveLength(3);
    } finally {
      await gone.close();
      await refusing.close();
    }
  });

  test('when the receiver answers 429 with Retry-After, then the next attempt waits that long', async () => {
    const busy = await startReceiver([429, 200]);
    try {
      const jobId = await submitWithCallback(busy.url);

      const [delivery] = await deliveries(jobId, settled);

      expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 2 });
      const [first, second] = busy.received;
      // Measured at the receiver, give or take a status read on each side.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
    } finally {
      await busy.close();
    }
  });

  test('when callbackEvents is all, then every event of a 3-page job reaches the receiver in sequence order, the first retried before the next', async () => {
    const receiver = await startReceiver([500, 200]);
    try {
      const jobId = await submitWithCallback(receiver.url, { lines: ['First page here', 'Second page here', 'Third page here'], events: 'all' });

      await finished(jobId);
      const items = await deliveries(jobId, (all) => all.some((item) => item.type === 'job.done') && settled(all));

      const bodies = receiver.received.map((attempt) => attempt.body);
      // The first event failed once: the others waited for its retry.
      expect(bodies.map((body) => body.type)).toEqual(['job.processing', 'job.processing', 'job.page.done', 'job.page.done', 'job.page.done', 'job.done']);
      expect(bodies.map((body) => body.sequence)).toEqual([1, 1, 2, 3, 4, 5]);
      expect(receiver.received.map((attempt) => attempt.headers['webhook-id'])).toEqual(bodies.map((body) => `evt_${jobId}_${body.sequence}`));
      expect(items.map((item) => [item.sequence, item.status])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 'delivered']));
      // The job's own body catches up with its deliveries (read apart, cached for a second).
      const job = await eventually(() => request(harness.app).get(`/jobs/${jobId}`), (res) => res.body.notifications.delivered === 5);
      expect(job.body.notifications).toMatchObject({ url: receiver.url, events: 'all', pending: 0, failed: 0 });
    } finally {
      await receiver.close();
    }
  });

  test('when a delivery id is unknown or callbackEvents comes without a callbackUrl, then a problem names it', async () => {
    const receiver = await startReceiver([200]);
    try {
      const jobId = await submitWithCallback(receiver.url);
      await deliveries(jobId, settled);

      const unknown = await request(harness.app).post(`/jobs/${jobId}/deliveries/evt_${jobId}_99/redeliver`);
      const png = await renderText({ lines: ['No callback'] });
      const noUrl = await request(harness.app).post('/jobs?callbackEvents=all').set('Content-Type', 'image/png').send(png);

      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('DELIVERY_NOT_FOUND');
      expect(noUrl.status).toBe(400);
      expect(noUrl.body.errors).toEqual([expect.objectContaining({ field: 'callbackEvents' })]);
    } finally {
      await receiver.close();
    }
  });
});
