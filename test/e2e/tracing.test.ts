// One trace per job, as an operator finds it: the API and a worker export to a real Jaeger,
// and its query API shows the client's request, the workflow, every step and OCR stage, and
// the webhook; the logs of both processes carry the same trace.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { isTerminalStatus, type JobStatus } from '../../src/shared/jobs';
import { createStage, type Stage } from '../helpers/chaos';
import { renderText } from '../helpers/images';
import { startJaeger, type Jaeger, type JaegerSpan, type JaegerTrace } from '../helpers/jaeger';
import { eventually } from '../helpers/jobs';
import { freePort } from '../helpers/ports';
import { startApiProcess, type RunningProcess } from '../helpers/processes';
import { startTestServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let stage: Stage;
let jaeger: Jaeger;
let api: RunningProcess;
let worker: RunningProcess;
let base: string;
let receiver: Server;
let received = 0;

/** Export at once rather than every five seconds: the test waits for what Jaeger holds. */
const QUICK_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '100' };

beforeAll(async () => {
  env = await startTestServer();
  jaeger = await startJaeger();
  stage = await createStage(env.address, { CALLBACK_URL_ALLOWLIST: '127.0.0.1' });
  // The two encodings OTLP over HTTP has: the worker sends protobuf, the API JSON.
  worker = await stage.startWorker({
    ...QUICK_EXPORT,
    LOG_LEVEL: 'debug',
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  });
  const port = await freePort();
  api = await startApiProcess({
    ...stage.processEnv,
    ...QUICK_EXPORT,
    PORT: String(port),
    HOST: '127.0.0.1',
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
  });
  base = `http://127.0.0.1:${port}`;
  receiver = createServer((req, res) => {
    received += 1;
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  receiver?.close();
  await api?.stop();
  await stage?.close();
  await jaeger?.stop();
  await env?.teardown();
});

interface JobBody {
  jobId: string;
  status: JobStatus;
  traceId?: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function submitTraced(traceId: string, clientSpanId: string, requestId: string): Promise<{ res: Response; job: JobBody }> {
  const png = await renderText({ lines: ['Traced from end to end'] });
  const form = new FormData();
  form.append('file', new Blob([png], { type: 'image/png' }), 'traced.png');
  form.append('callbackUrl', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
  const res = await fetch(`${base}/jobs`, {
    method: 'POST',
    headers: { traceparent: `00-${traceId}-${clientSpanId}-01`, 'X-Request-Id': requestId },
    body: form,
  });
  return { res, job: (await res.json()) as JobBody };
}

async function finishedJob(jobId: string): Promise<JobBody> {
  return eventually(
    () => fetch(`${base}/jobs/${jobId}`).then((r) => r.json() as Promise<JobBody>),
    (job) => isTerminalStatus(job.status),
  );
}

const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;
const named = (trace: JaegerTrace, name: string) => trace.spans.filter((span) => span.operationName === name);
const serviceOf = (trace: JaegerTrace, span: JaegerSpan) => trace.processes[span.processID]?.serviceName;
const parentOf = (span: JaegerSpan) => span.references.find((ref) => ref.refType === 'CHILD_OF')?.spanID;

/** What the job's trace must hold once every part has been exported. */
const EXPECTED_SPANS = [
  'POST /jobs',
  'StartWorkflow:ocrJobWorkflow',
  'RunWorkflow:ocrJobWorkflow',
  'RunActivity:loadDocument',
  'RunActivity:preprocessPage',
  'RunActivity:recognizePage',
  'RunActivity:storeResult',
  'ocr.decode',
  'ocr.first_look',
  'ocr.analyse',
  'ocr.contrast',
  'ocr.orientation',
  'ocr.deskew',
  'ocr.scale',
  'ocr.recognize',
  'ocr.reading_order',
  'ocr.store',
  'RunActivity:deliverWebhook',
];

test('when a job is submitted with a traceparent, then Jaeger holds one trace of it, from the request through every step and OCR stage to the webhook, and the job names it', async () => {
  const traceId = hex(16);
  const clientSpanId = hex(8);

  const requestId = `req-${hex(4)}`;
  const { res, job } = await submitTraced(traceId, clientSpanId, requestId);
  const done = await finishedJob(job.jobId);
  await eventually(async () => received, (count) => count > 0);
  const trace = (await eventually(
    () => jaeger.trace(traceId),
    (found) => found !== undefined && EXPECTED_SPANS.every((name) => named(found, name).length > 0),
    60_000,
  ))!;

  expect(res.status).toBe(202);
  expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  expect(job.traceId).toBe(traceId);
  expect(done).toMatchObject({ status: 'DONE', traceId });

  const http = named(trace, 'POST /jobs')[0]!;
  expect(serviceOf(trace, http)).toBe('ocr-jobs-api');
  expect(parentOf(http)).toBe(clientSpanId);
  expect(res.headers.get('traceparent')).toContain(`-${http.spanID}-`);
  expect(tag(http, 'http.response.status_code')).toBe(202);
  expect(tag(http, 'http.route')).toBe('/jobs');
  expect(tag(http, 'ocr.request.id')).toBe(requestId);
  expect(trace.processes[http.processID]!.tags).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'deployment.environment', value: 'test' })]));

  const workflow = named(trace, 'RunWorkflow:ocrJobWorkflow')[0]!;
  expect(serviceOf(trace, workflow)).toBe('ocr-jobs-worker');
  // The workflow's spans name it, without its memo (the job's state) on every one.
  expect(tag(workflow, 'workflowId')).toBe(job.jobId);
  expect(workflow.tags.map((t) => t.key).filter((key) => /^(memo|searchAttributes|typedSearchAttributes)/.test(key))).toEqual([]);
  expect(parentOf(named(trace, 'StartWorkflow:ocrJobWorkflow')[0]!)).toBe(http.spanID);

  const recognizeAttempt = named(trace, 'RunActivity:recognizePage')[0]!;
  expect(tag(recognizeAttempt, 'ocr.job.id')).toBe(job.jobId);
  expect(tag(recognizeAttempt, 'ocr.page')).toBe(1);
  const recognize = named(trace, 'ocr.recognize')[0]!;
  expect(parentOf(recognize)).toBe(recognizeAttempt.spanID);
  expect(tag(recognize, 'ocr.page')).toBe(1);
  expect(tag(recognize, 'ocr.languages')).toBe('eng');
  expect(String(tag(recognize, 'ocr.engine'))).toMatch(/^tesseract/);
  expect(tag(recognize, 'ocr.image.width')).toEqual(expect.any(Number));

  const preprocessAttempt = named(trace, 'RunActivity:preprocessPage')[0]!;
  const analyse = named(trace, 'ocr.analyse')[0]!;
  expect(parentOf(analyse)).toBe(preprocessAttempt.spanID);
  expect(parentOf(named(trace, 'ocr.contrast')[0]!)).toBe(analyse.spanID);
  expect(tag(named(trace, 'ocr.decode')[0]!, 'ocr.image.width')).toEqual(expect.any(Number));
  // One line is too little for the first look to call the page clean: it says why, and the page is analysed.
  expect(tag(named(trace, 'ocr.first_look')[0]!, 'ocr.first_look')).toEqual(expect.any(String));
  expect(tag(named(trace, 'ocr.first_look')[0]!, 'ocr.first_look')).not.toBe('clean');
  // Every span is of this one trace.
  expect(new Set(trace.spans.map((span) => span.traceID))).toEqual(new Set([traceId]));
}, 180_000);

test('when a step fails for good, then its span is marked failed with the job error code, and so is the workflow', async () => {
  const traceId = hex(16);
  const corrupt = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a PNG at all')]);
  const res = await fetch(`${base}/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': 'image/png', traceparent: `00-${traceId}-${hex(8)}-01` },
    body: corrupt,
  });
  const { jobId } = (await res.json()) as JobBody;
  const failed = (await finishedJob(jobId)) as JobBody & { error: { code: string; failedStep: string } };
  const failedAttempt = (found: JaegerTrace) => found.spans.find((span) => tag(span, 'ocr.error.code') !== undefined);
  const trace = (await eventually(
    () => jaeger.trace(traceId),
    (found) => found !== undefined && failedAttempt(found) !== undefined && named(found, 'RunWorkflow:ocrJobWorkflow').length > 0,
    60_000,
  ))!;

  expect(failed.status).toBe('ERROR');
  const attempt = failedAttempt(trace)!;
  expect(tag(attempt, 'ocr.error.code')).toBe(failed.error.code);
  expect(tag(attempt, 'ocr.step')).toBe(failed.error.failedStep);
  expect(tag(attempt, 'otel.status_code')).toBe('ERROR');
  expect(tag(named(trace, 'RunWorkflow:ocrJobWorkflow')[0]!, 'otel.status_code')).toBe('ERROR');
}, 120_000);

test('when a job has run, then every line API and worker logged about it carries its jobId and traceId, and the worker lines its request id', async () => {
  const requestId = `req-${hex(4)}`;
  const { job } = await submitTraced(hex(16), hex(8), requestId);
  await finishedJob(job.jobId);

  const lines = (process: RunningProcess) =>
    process
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.jobId === job.jobId);
  // The job's end is logged as it ends; the status read above may come first.
  const workerLines = await eventually(async () => lines(worker), (found) => found.some((line) => line.msg === 'job finished'));
  const apiLines = lines(api);

  expect(apiLines.map((line) => line.msg)).toContain('job submitted');
  expect(workerLines.map((line) => line.msg)).toEqual(expect.arrayContaining(['job started', 'step done', 'job finished']));
  for (const line of [...apiLines, ...workerLines]) {
    expect(line).toMatchObject({ jobId: job.jobId, traceId: job.traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
  }
  for (const line of workerLines) expect(line.requestId).toBe(requestId);
  const recognized = workerLines.find((line) => line.msg === 'step done' && line.step === 'recognize');
  expect(recognized).toMatchObject({ page: 1, attempt: 1, durationMs: expect.any(Number) });
}, 120_000);

test('when no OTLP endpoint is set, then jobs still name their trace, for logs and clients', async () => {
  const port = await freePort();
  // Empty is unset, whatever the machine running the tests has in its environment.
  const quiet = await startApiProcess({ ...stage.processEnv, PORT: String(port), HOST: '127.0.0.1', OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' });
  try {
    const png = await renderText({ lines: ['No exporter here'] });
    const res = await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png });
    const job = (await res.json()) as JobBody;
    // A traceparent that is not one starts a trace of its own, as W3C Trace Context says.
    const garbled = await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png', traceparent: '00-not-a-trace-01' }, body: png });
    const second = (await garbled.json()) as JobBody;

    expect(res.status).toBe(202);
    expect(job.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.get('traceparent')).toBe(`00-${job.traceId}-${res.headers.get('traceparent')!.split('-')[2]}-01`);
    expect(garbled.status).toBe(202);
    expect(second.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(second.traceId).not.toBe(job.traceId);
  } finally {
    await quiet.stop();
  }
}, 60_000);
