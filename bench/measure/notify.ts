// Push instead of poll. 1. Latency: a page finishing on the worker (the completion of its
// recognizePage step in the job's history) to its job.page.done event at an SSE client, and a
// job's end (completedAt) to its webhook answered 2xx by a receiver here. 2. Cost: many open
// streams on running jobs beside as many clients polling GET /jobs/{id} at Retry-After:
// the API process's RSS and CPU, and the Temporal calls it makes per second (the server's
// own request counters), over the same window.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { multiPageTiff, renderText } from '../../test/helpers/images';
import { submit } from '../lib/jobs';
import { startStack, type Stack } from '../lib/stack';
import { percentile, round } from '../lib/stats';

/** Operations the API calls Temporal for when it reads jobs (the rest are the workers'). */
const READ_OPERATIONS = ['QueryWorkflow', 'DescribeWorkflowExecution', 'GetWorkflowExecutionHistory', 'ListWorkflowExecutions', 'CountWorkflowExecutions', 'DescribeTaskQueue'];

interface StreamEvent {
  type: string;
  at: number;
  body: { sequence: number; data: { page?: number; completedAt?: string | null } };
}

/** Opens a job's event stream with a plain HTTP client; events are pushed to `events` as they arrive. */
function openStream(api: string, jobId: string, onEvent?: (event: StreamEvent) => void) {
  const events: StreamEvent[] = [];
  let buffer = '';
  let request: http.ClientRequest;
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const ended = new Promise<void>((resolve, reject) => {
    request = http.get(`${api}/jobs/${jobId}/events`, (res) => {
      opened();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = Date.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (!type || !data) continue;
          const event = { type, at, body: JSON.parse(data) as StreamEvent['body'] };
          events.push(event);
          onEvent?.(event);
        }
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
    request.on('error', reject);
  });
  return { events, open, ended, close: () => request.destroy() };
}

/** When each page's recognizePage step completed, from the job's history (server clock, this machine). */
async function pageCompletions(stack: Stack, jobId: string): Promise<Map<number, number>> {
  const history = await stack.client.workflow.getHandle(jobId).fetchHistory();
  const pageOf = new Map<string, number>();
  const done = new Map<number, number>();
  const Type = temporal.api.enums.v1.EventType;
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (event.eventType === Type.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && scheduled?.activityType?.name === 'recognizePage') {
      const input = defaultPayloadConverter.fromPayload<{ page: number }>(scheduled.input!.payloads![0]!);
      pageOf.set(String(event.eventId), input.page);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const page = completed ? pageOf.get(String(completed.scheduledEventId)) : undefined;
    if (page !== undefined) done.set(page, Number(event.eventTime!.seconds) * 1000 + Math.floor((event.eventTime!.nanos ?? 0) / 1e6));
  }
  return done;
}

async function latency(jobs: number) {
  const webhookMs: number[] = [];
  const receiver = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      res.statusCode = 204;
      res.end(() => {
        const body = JSON.parse(raw) as { data: { completedAt: string } };
        webhookMs.push(Date.now() - Date.parse(body.data.completedAt));
      });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const stack = await startStack({ workers: 1, poolSize: 2, env: { CALLBACK_URL_ALLOWLIST: '127.0.0.1' } });
  const eventMs: number[] = [];
  try {
    const document = await multiPageTiff(['Invoice 4711 first page', 'Delivery note second page', 'Terms and conditions third page']);
    for (let i = 0; i < jobs; i++) {
      const { body } = await submit(stack.api, document, 'image/tiff', {}, { callbackUrl });
      const stream = openStream(stack.api, body.jobId);
      await stream.ended;
      const completions = await pageCompletions(stack, body.jobId);
      for (const event of stream.events.filter((e) => e.type === 'job.page.done')) {
        const finishedAt = completions.get(event.body.data.page!);
        if (finishedAt !== undefined) eventMs.push(event.at - finishedAt);
      }
    }
    // The last webhook may still be on its way.
    for (let waited = 0; webhookMs.length < jobs && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await stack.stop();
    receiver.close();
  }
  const row = (what: string, values: number[]) => ({ what, p50Ms: percentile(values, 50), p95Ms: percentile(values, 95), samples: values.length });
  return [row(`a page done on the worker → its SSE event at the client (${jobs} jobs of 3 pages)`, eventMs), row('a job ended → its webhook answered 2xx', webhookMs)];
}

/** CPU seconds (user + system) the process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** The Temporal server's request counters for the API's read operations. */
async function readCalls(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('service_requests{')) continue;
    const operation = /operation="([^"]+)"/.exec(line)?.[1];
    if (operation && READ_OPERATIONS.includes(operation)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Starts `clients`, and once they are all connected, measures the API process and Temporal for `seconds`. */
async function window(stack: Stack, seconds: number, clients: () => { connected: Promise<unknown>; stop(): void }) {
  const { connected, stop } = clients();
  // Connecting costs each client a read of its job; what is compared is what staying costs.
  await connected;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const [cpuBefore, callsBefore] = await Promise.all([cpuSeconds(stack.apiPid), readCalls(stack.metricsUrl)]);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (Date.now() - started) / 1000;
  const [cpuAfter, callsAfter, rss] = await Promise.all([cpuSeconds(stack.apiPid), readCalls(stack.metricsUrl), rssMiB(stack.apiPid)]);
  stop();
  return {
    apiRssMiB: round(rss),
    apiCpuPercent: round((100 * (cpuAfter - cpuBefore)) / elapsed),
    temporalCallsPerSecond: round((callsAfter - callsBefore) / elapsed),
  };
}

/** One way of following `clients` times `jobs` running jobs, on a fresh service of its own. */
async function following(how: 'streams' | 'pollers', clients: number, jobs: number, seconds: number) {
  const stack = await startStack({ workers: 1, poolSize: 1 });
  try {
    // Long pages keep the jobs running for the whole window; one worker reads them one at a time.
    const long = await renderText({ lines: Array.from({ length: 120 }, (_, i) => `Running job line ${i} with plenty of words to read`), width: 1400 });
    const ids: string[] = [];
    for (let i = 0; i < jobs; i++) ids.push((await submit(stack.api, long, 'image/png')).body.jobId);
    const target = (i: number) => ids[i % ids.length]!;
    const idleRss = await rssMiB(stack.apiPid);
    const measured = await window(stack, seconds, () => {
      if (how === 'streams') {
        const streams = Array.from({ length: clients }, (_, i) => openStream(stack.api, target(i)));
        for (const stream of streams) stream.ended.catch(() => undefined);
        return { connected: Promise.all(streams.map((stream) => stream.open)), stop: () => streams.forEach((stream) => stream.close()) };
      }
      let running = true;
      const poll = async (jobId: string, first: () => void) => {
        while (running) {
          const res = await fetch(`${stack.api}/jobs/${jobId}`).catch(() => null);
          await res?.arrayBuffer();
          first();
          const wait = Number(res?.headers.get('retry-after') ?? 1) * 1000;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      };
      const firsts = Array.from({ length: clients }, (_, i) => new Promise<void>((resolve) => void poll(target(i), resolve)));
      return {
        connected: Promise.all(firsts),
        stop: () => {
          running = false;
        },
      };
    });
    return { clients: `${clients} ${how === 'streams' ? 'SSE streams' : 'pollers at Retry-After'}`, jobs, apiIdleRssMiB: round(idleRss), ...measured };
  } finally {
    await stack.stop();
  }
}

async function cost(clients: number, jobs: number, seconds: number) {
  const streaming = await following('streams', clients, jobs, seconds);
  const polling = await following('pollers', clients, jobs, seconds);
  return [
    streaming,
    polling,
    {
      clients: 'ratio streams / pollers',
      jobs,
      apiIdleRssMiB: round(streaming.apiIdleRssMiB / polling.apiIdleRssMiB, 2),
      apiRssMiB: round(streaming.apiRssMiB / polling.apiRssMiB, 2),
      apiCpuPercent: round(streaming.apiCpuPercent / polling.apiCpuPercent, 2),
      temporalCallsPerSecond: round(streaming.temporalCallsPerSecond / polling.temporalCallsPerSecond, 2),
    },
  ];
}

/** Two tables: latencies, and the cost of streams beside pollers. */
export async function notify(latencyJobs: number, clients: number, seconds: number) {
  return { latency: await latency(latencyJobs), cost: await cost(clients, 20, seconds) };
}
