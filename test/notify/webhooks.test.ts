import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { isTerminalStatus } from '../../src/shared/jobs';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { renderText } from '../helpers/images';
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
  body: { type: string; timestamp: string; data: Record<string, unknown> };
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

async function submitWithCallback(callbackUrl: string): Promise<string> {
  const png = await renderText({ lines: ['Invoice 4711 paid'] });
  const res = await request(harness.app).post(`/jobs?callbackUrl=${encodeURIComponent(callbackUrl)}`).set('Content-Type', 'image/png').send(png);
  expect(res.status).toBe(202);
  return res.body.jobId as string;
}

/** The outcome of the delivery of the job's end, once its workflow exists and has ended. */
async function deliveryOf(jobId: string) {
  const handle = harness.env.client.workflow.getHandle(`evt_${jobId}_job_done`);
  await eventually(() => handle.describe().then(() => true, () => false), (exists) => exists);
  return handle.result();
}

const finished = (jobId: string) =>
  eventually(() => request(harness.app).get(`/jobs/${jobId}`), (res) => isTerminalStatus(res.body.status));

describe('webhooks', () => {
  test('when the receiver fails twice and then accepts, then the job is DONE without waiting and the signed event arrives with one webhook-id', async () => {
    const receiver = await startReceiver([500, 500, 200]);
    try {
      const jobId = await submitWithCallback(receiver.url);

      const done = await finished(jobId);
      await eventually(async () => receiver.received.length, (count) => count === 3);

      expect(done.body.status).toBe('DONE');
      const last = receiver.received[2]!;
      // The job's workflow had ended while its delivery was still being retried.
      expect(last.jobWorkflowThen).toBe('COMPLETED');
      expect(new Set(receiver.received.map((attempt) => attempt.headers['webhook-id']))).toEqual(new Set([`evt_${jobId}_job_done`]));
      expect(last.body).toMatchObject({ type: 'job.done', data: { jobId, status: 'DONE', links: { result: `/jobs/${jobId}/result` } } });
      expect(last.headers['webhook-signature']).toMatch(/^v1,/);
      const delivery = await deliveryOf(jobId);
      expect(delivery).toMatchObject({ delivered: true, attempts: 3, status: 200 });
    } finally {
      await receiver.close();
    }
  });

  test('when the receiver is down for the whole job, then the job ends on time and the event is delivered once it is back', async () => {
    const port = await freePort();
    const jobId = await submitWithCallback(`http://127.0.0.1:${port}/hook`);
    expect((await finished(jobId)).body.status).toBe('DONE');
    // Bring the receiver up only once an attempt has failed against it.
    const delivery = harness.env.client.workflow.getHandle(`evt_${jobId}_job_done`);
    await eventually(
      () => delivery.fetchHistory().then((history) => history.events ?? [], () => []),
      (events) => events.some((event) => event.activityTaskFailedEventAttributes),
    );

    const receiver = await startReceiver([200], port);
    try {
      const outcome = await deliveryOf(jobId);

      expect(outcome).toMatchObject({ delivered: true, status: 200 });
      expect(outcome.attempts).toBeGreaterThan(1);
      expect(receiver.received.map((attempt) => attempt.body.type)).toEqual(['job.done']);
    } finally {
      await receiver.close();
    }
  });

  test('when the receiver answers 410 Gone, then deliveries stop; when it keeps refusing with 4xx, it is given up after three attempts', async () => {
    const gone = await startReceiver([410]);
    const refusing = await startReceiver([400]);
    try {
      const [goneJob, refusedJob] = await Promise.all([submitWithCallback(gone.url), submitWithCallback(refusing.url)]);

      const [goneDelivery, refusedDelivery] = await Promise.all([goneJob, refusedJob].map(deliveryOf));

      expect(goneDelivery).toMatchObject({ delivered: false, attempts: 1, status: 410 });
      expect(refusedDelivery).toMatchObject({ delivered: false, attempts: 3, status: 400 });
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

      const outcome = await deliveryOf(jobId);

      expect(outcome).toMatchObject({ delivered: true, attempts: 2, status: 200 });
      const [first, second] = busy.received;
      // Measured at the receiver, give or take a status read on each side.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
    } finally {
      await busy.close();
    }
  });
});
