// The live event stream, driven with the `eventsource` client browsers' EventSource is modelled on.
import { EventSource } from 'eventsource';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { installedLanguages } from '../../src/ocr/languages';
import { createWorkerMetrics } from '../../src/metrics/workerMetrics';
import { isTerminalEvent, JOB_EVENT_TYPES } from '../../src/shared/events';
import type { JobEventHub } from '../../src/api/jobEvents';
import { startApiHarness, type ApiHarness, type RunningWorker } from '../helpers/harness';
import { multiPageTiff } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';
import { testLogger } from '../helpers/logger';

interface Received {
  id: string;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read the event's data field by field
  body: { type: string; sequence: number; timestamp: string; data: Record<string, any> };
}

let harness: ApiHarness;
/** The API whose jobs wait for a worker the test starts: streams open before anything happens. */
let api: Listening;

beforeAll(async () => {
  harness = await startApiHarness({ EVENT_STREAM_KEEPALIVE_SECONDS: '1' });
  api = await listen(harness.idleApp, harness.idleAppConfig);
});
afterAll(async () => {
  (harness?.idleApp.locals.eventHub as JobEventHub | undefined)?.close();
  await api?.close();
  await harness?.stop();
});

async function submit(pages = 3): Promise<string> {
  const tiff = await multiPageTiff(['Alpha page one', 'Beta page two', 'Gamma page three'].slice(0, pages));
  const type = pages === 1 ? 'image/png' : 'image/tiff';
  const res = await fetch(`${api.base}/jobs`, { method: 'POST', headers: { 'Content-Type': type }, body: tiff });
  expect(res.status).toBe(202);
  return ((await res.json()) as { jobId: string }).jobId;
}

/**
 * Follows a job's events until its last one, as a client would. `dropAfter`: the connection
 * is cut after that many events, and the client reconnects by itself with Last-Event-ID.
 */
function follow(url: string, dropAfter?: number) {
  const received: Received[] = [];
  const lastEventIds: (string | null)[] = [];
  let cut: (() => void) | null = null;
  const source = new EventSource(url, {
    fetch: async (input, init) => {
      lastEventIds.push(new Headers(init?.headers).get('last-event-id'));
      const res = await fetch(input, init);
      if (lastEventIds.length > 1 || dropAfter === undefined || !res.body) return res;
      // The first connection breaks the way a network does: the client sees an error, not a close.
      const upstream = res.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          cut = () => {
            controller.error(new Error('connection reset'));
            void upstream.cancel();
          };
        },
        async pull(controller) {
          const { done, value } = await upstream.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => upstream.cancel(reason),
      });
      return new Response(body, { status: res.status, headers: res.headers });
    },
  });
  const ended = new Promise<void>((resolve, reject) => {
    for (const type of JOB_EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        received.push({ id: message.lastEventId, type: message.type, body: JSON.parse(message.data) });
        if (received.length === dropAfter && lastEventIds.length === 1) cut?.();
        if (isTerminalEvent(type)) {
          source.close();
          resolve();
        }
      });
    }
    source.onerror = (err) => {
      if (lastEventIds.length > 5) reject(new Error(`the stream kept failing: ${String(err.message)}`));
    };
  });
  return { received, lastEventIds, ended, close: () => source.close() };
}

function withoutComments(stream: string): string {
  return stream.replace(/^:[^\n]*\n\n/gm, '');
}

let worker: RunningWorker | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
});

describe('GET /jobs/{id}/events', () => {
  test('when a 3-page job runs, then its whole sequence arrives in order with progress never going back, and the stream ends', async () => {
    const jobId = await submit();
    const stream = follow(`${api.base}/jobs/${jobId}/events`);
    worker = await harness.runIdleWorker();

    await stream.ended;

    const types = stream.received.map((event) => event.type);
    expect(types).toEqual(['job.processing', 'job.page.done', 'job.page.done', 'job.page.done', 'job.done']);
    expect(stream.received.map((event) => event.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(stream.received.map((event) => event.body.sequence)).toEqual([1, 2, 3, 4, 5]);
    const progress = stream.received.map((event) => event.body.data.progress as number);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(progress.at(-1)).toBe(100);
    const pagesDone = stream.received.filter((event) => event.type === 'job.page.done');
    expect(pagesDone.map((event) => event.body.data.pages.done)).toEqual([1, 2, 3]);
    expect(new Set(pagesDone.map((event) => event.body.data.page))).toEqual(new Set([1, 2, 3]));
    const last = stream.received.at(-1)!.body;
    expect(last).toMatchObject({ type: 'job.done', data: { jobId, status: 'DONE', pages: { total: 3, done: 3 } } });
    // No result text in an event: the result is a link away.
    expect(JSON.stringify(last)).not.toMatch(/Alpha|Gamma/i);
    expect(last.data.links.result).toBe(`/jobs/${jobId}/result`);
  });

  test('when the connection drops mid-job, then the client resumes with Last-Event-ID and gets exactly the events of an uninterrupted stream', async () => {
    const jobId = await submit();
    const whole = follow(`${api.base}/jobs/${jobId}/events`);
    const interrupted = follow(`${api.base}/jobs/${jobId}/events`, 2);
    worker = await harness.runIdleWorker();

    await Promise.all([whole.ended, interrupted.ended]);

    expect(interrupted.lastEventIds[0]).toBeNull();
    expect(interrupted.lastEventIds.slice(1)).toContain('2');
    expect(interrupted.received.map((event) => event.body)).toEqual(whole.received.map((event) => event.body));
  });

  test('when a step fails and waits for its next attempt, then job.retrying says which step, which attempt, when and why, and the worker counts the retry', async () => {
    const jobId = await submit(1);
    const stream = follow(`${api.base}/jobs/${jobId}/events`);
    const { blobs } = harness.fixture;
    const put = blobs.put.bind(blobs);
    // The disk refuses the result once: the store step fails and is retried by Temporal.
    let refused = false;
    const spy = jest.spyOn(blobs, 'put').mockImplementation(async (key, data) => {
      if (!refused && key.startsWith(`jobs/${jobId}/result`)) {
        refused = true;
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      }
      return put(key, data);
    });
    const metrics = createWorkerMetrics();
    try {
      worker = await harness.runIdleWorker(metrics);
      await stream.ended;
    } finally {
      spy.mockRestore();
    }
    // The worker counted the retry by step and code, and both attempts of the step.
    const exposed = await metrics.registry.metrics();
    expect(exposed).toMatch(/ocr_step_retries_total\{step="store",code="[A-Z_]+"\} 1/);
    expect(exposed).toMatch(/ocr_step_duration_seconds_count\{step="store",outcome="failed"\} 1/);
    expect(exposed).toMatch(/ocr_step_duration_seconds_count\{step="store",outcome="done"\} 1/);

    expect(stream.received.map((event) => event.type)).toEqual(['job.processing', 'job.page.done', 'job.retrying', 'job.done']);
    const retrying = stream.received[2]!.body;
    expect(retrying.data).toMatchObject({ status: 'RETRYING', retry: { step: 'store', attempt: 2, maxAttempts: 8 } });
    expect(retrying.data.retry.lastError.message).toMatch(/no space left/);
    expect(Date.parse(retrying.data.retry.nextAttemptAt)).toBeGreaterThan(Date.parse(stream.received[1]!.body.timestamp));
  });

  test('when a client comes back after the job ended, with ?lastEventId=, then it gets the events it missed and the last one', async () => {
    const jobId = await submit();
    const whole = follow(`${api.base}/jobs/${jobId}/events`);
    worker = await harness.runIdleWorker();
    await whole.ended;

    const resumed = follow(`${api.base}/jobs/${jobId}/events?lastEventId=2`);
    await resumed.ended;

    expect(resumed.received.map((event) => event.body)).toEqual(whole.received.slice(2).map((event) => event.body));
  });

  test('when a job has ended, then a new stream sends its last event at once and closes, also with no worker running', async () => {
    const jobId = await submit(1);
    const whole = follow(`${api.base}/jobs/${jobId}/events`);
    worker = await harness.runIdleWorker();
    await whole.ended;
    await worker.stop();
    worker = null;

    const res = await fetch(`${api.base}/jobs/${jobId}/events`);
    const text = await res.text();
    const resumed = await fetch(`${api.base}/jobs/${jobId}/events`, { headers: { 'Last-Event-ID': '1' } });
    const resumedText = await resumed.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const last = whole.received.at(-1)!;
    expect(text).toBe(`id: ${last.id}\nevent: job.done\ndata: ${JSON.stringify(last.body)}\n\n`);
    // Resumed with no worker to ask: the last event, from what the workflow recorded (after
    // keep-alive comments while the API waited for a worker's answer).
    expect(withoutComments(resumedText)).toBe(text);
  });

  test('when Last-Event-ID names an event the job has not had, then the stream goes on from its last event and ends', async () => {
    const jobId = await submit(1);
    const ahead = follow(`${api.base}/jobs/${jobId}/events?lastEventId=99`);
    const hub = harness.idleApp.locals.eventHub as JobEventHub;
    await eventually(async () => hub.stats, (stats) => stats.subscribers === 1);
    worker = await harness.runIdleWorker();

    await ahead.ended;

    expect(ahead.received.map((event) => event.type)).toEqual(['job.processing', 'job.page.done', 'job.done']);
  });

  test('when many clients follow one job, then they share one watcher and all see the same events', async () => {
    const jobId = await submit(1);
    const streams = Array.from({ length: 20 }, () => follow(`${api.base}/jobs/${jobId}/events`));
    const hub = harness.idleApp.locals.eventHub as JobEventHub;
    await eventually(async () => hub.stats, (stats) => stats.subscribers === 20);

    expect(hub.stats.watchers).toBe(1);
    worker = await harness.runIdleWorker();
    await Promise.all(streams.map((stream) => stream.ended));
    const first = streams[0]!.received.map((event) => event.body);
    for (const stream of streams) expect(stream.received.map((event) => event.body)).toEqual(first);
    await eventually(async () => hub.stats, (stats) => stats.watchers === 0);
  });

  test('when nothing happens for a while (a job waiting for a worker), then the stream carries keep-alive comments', async () => {
    const jobId = await submit(1);
    const controller = new AbortController();
    const res = await fetch(`${api.base}/jobs/${jobId}/events`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();

    expect(res.status).toBe(200);
    expect(text).toMatch(/^: keep-alive\n\n/);
  });

  test('when a stream is asked for with HEAD, then the headers answer at once, without a stream', async () => {
    const jobId = await submit(1);

    const res = await fetch(`${api.base}/jobs/${jobId}/events`, { method: 'HEAD' });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect((harness.idleApp.locals.eventHub as JobEventHub).stats.subscribers).toBe(0);
  });

  test('when the job does not exist or Last-Event-ID is not a number, then a problem answers', async () => {
    const missing = await fetch(`${api.base}/jobs/00000000-0000-4000-8000-000000000000/events`);
    const jobId = await submit(1);
    const bad = await fetch(`${api.base}/jobs/${jobId}/events`, { headers: { 'Last-Event-ID': 'soon' } });

    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'header.last-event-id' }] });
  });

  test('when the last event of a job has been sent, then reading the job answers its end, not a read cached while it ran', async () => {
    // Status reads cached for a minute: without care the stream's own first read would answer.
    const app = createApp({
      config: loadConfig({ ...harness.idleAppSettings, STATUS_CACHE_MS: '60000' }),
      client: harness.env.client,
      blobs: harness.fixture.blobs,
      logger: testLogger,
      languages: installedLanguages(),
    });
    const cached = await listen(app, harness.idleAppConfig);
    try {
      const jobId = await submit(1);
      const stream = follow(`${cached.base}/jobs/${jobId}/events`);
      worker = await harness.runIdleWorker();
      await stream.ended;

      const read = await fetch(`${cached.base}/jobs/${jobId}`);
      const text = await fetch(`${cached.base}/jobs/${jobId}/result?format=text`);

      expect(stream.received.at(-1)?.type).toBe('job.done');
      expect(((await read.json()) as { status: string }).status).toBe('DONE');
      expect(text.status).toBe(200);
    } finally {
      (app.locals.eventHub as JobEventHub).close();
      await cached.close();
    }
  });
});
