// A 2 000-page document: every page is read, and no workflow's history passes 10 000 events
// or 10 MB (Temporal warns there; it ends a workflow at 50 000 events or 50 MB).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_PAGE_BATCH_SIZE, pageBatchWorkflowId } from '../../src/shared/pageBatches';
import { jobWebhooksWorkflowId } from '../../src/shared/webhooks';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { quickPagesPdf } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';

const PAGES = 2000;

jest.setTimeout(1_800_000);

let harness: ApiHarness;
let api: Listening;

beforeAll(async () => {
  // Two OCR engines; batches of the default size (200 pages).
  harness = await startApiHarness({ OCR_POOL_SIZE: '2', CALLBACK_URL_ALLOWLIST: '127.0.0.1' });
  api = await listen(harness.app, harness.fixture.config);
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await api?.close();
  await harness?.stop();
});

interface Received {
  type: string;
  sequence: number;
  data: { page?: number };
}

let receiver: { url: string; received: Received[]; close(): Promise<unknown> };

/** A webhook receiver that takes every event. */
async function startReceiver(): Promise<typeof receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(raw) as Received);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function historiesOf(workflowId: string): Promise<Array<{ runId: string; events: number; bytes: number; status: string }>> {
  const runs = [];
  for await (const run of harness.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const { historyLength, historySize = 0, status } = await harness.env.client.workflow.getHandle(workflowId, run.runId).describe();
    runs.push({ runId: run.runId, events: historyLength, bytes: historySize, status: status.name });
  }
  return runs;
}

interface JobBody {
  jobId: string;
  status: string;
  pages: { total: number; done: number; failed: number };
  result: { pageCount: number; pages: Array<{ page: number }> } | null;
}

test(`when a ${PAGES}-page document is submitted with every event to a webhook, then it ends DONE with every page and every event, and each of its workflows keeps a bounded history`, async () => {
  const submitted = await fetch(`${api.base}/jobs?callbackUrl=${encodeURIComponent(receiver.url)}&callbackEvents=all`, { method: 'POST', headers: { 'Content-Type': 'application/pdf' }, body: await quickPagesPdf(PAGES) });
  expect(submitted.status).toBe(202);
  const { jobId } = (await submitted.json()) as JobBody;

  const read = async () => (await (await fetch(`${api.base}/jobs/${jobId}`)).json()) as JobBody;
  const final = await eventually(read, (job) => !['PENDING', 'PROCESSING', 'RETRYING'].includes(job.status), 1_700_000);

  expect(final).toMatchObject({ status: 'DONE', pages: { total: PAGES, done: PAGES, failed: 0 }, result: { pageCount: PAGES } });
  expect(final.result?.pages.map((page) => page.page)).toEqual(Array.from({ length: PAGES }, (_, i) => i + 1));
  const text = await (await fetch(`${api.base}/jobs/${jobId}/result?format=text`)).text();
  const pages = text.split('\f');
  expect(pages).toHaveLength(PAGES);
  expect(pages.every((page) => /^Page \d+/.test(page.trim()))).toBe(true);

  // Every event reached the receiver once, in order: the job's start, each page, its end.
  const webhooks = jobWebhooksWorkflowId(jobId);
  await eventually(() => harness.env.client.workflow.getHandle(webhooks).describe(), (run) => run.status.name === 'COMPLETED', 600_000);
  expect(receiver.received.map((event) => event.sequence)).toEqual(Array.from({ length: PAGES + 2 }, (_, i) => i + 1));
  const pageEvents = receiver.received.filter((event) => event.type === 'job.page.done').map((event) => event.data.page);
  expect(new Set(pageEvents).size).toBe(PAGES);
  expect(receiver.received.at(-1)?.type).toBe('job.done');

  // The job, its batches (ten of 200 pages) and the runs of its webhook workflow.
  const batches = Array.from({ length: Math.ceil(PAGES / 200) }, (_, i) => pageBatchWorkflowId(jobId, i + 1));
  const jobRuns = (await Promise.all([jobId, ...batches].map(historiesOf))).flat();
  expect(jobRuns.map((run) => run.status)).toEqual(Array(1 + batches.length).fill('COMPLETED'));
  // Thousands of deliveries: the webhook workflow went on in new runs.
  const webhookRuns = await historiesOf(webhooks);
  expect(webhookRuns.filter((run) => run.status === 'CONTINUED_AS_NEW').length).toBeGreaterThan(0);
  for (const run of [...jobRuns, ...webhookRuns]) {
    expect(run.events).toBeLessThan(10_000);
    expect(run.bytes).toBeLessThan(10 * 1024 * 1024);
  }
  // Even a batch of the largest size stays under the bound, at the rate the batches show.
  const [firstBatch] = await historiesOf(batches[0]!);
  expect((firstBatch!.events / 200) * MAX_PAGE_BATCH_SIZE).toBeLessThan(10_000);
});
