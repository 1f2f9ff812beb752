// Metrics as operators read them: a real Prometheus (Debian's package) scrapes the API and a
// worker process while a job runs, and PromQL answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { isTerminalStatus, type JobStatus } from '../../src/shared/jobs';
import { createStage, type Stage } from '../helpers/chaos';
import { renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { listen, type Listening } from '../helpers/listen';
import { freePort } from '../helpers/ports';
import { startTestServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let stage: Stage;
let api: Listening;
let prometheus: ChildProcess;
let prometheusUrl: string;
let workerMetrics: string;
let dir: string;

beforeAll(async () => {
  env = await startTestServer();
  stage = await createStage(env.address);
  const workerPort = await freePort();
  workerMetrics = `http://127.0.0.1:${workerPort}/metrics`;
  await stage.startWorker({ WORKER_METRICS_PORT: String(workerPort) });
  api = await listen(stage.app(env.client), stage.config);
  dir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-prometheus-'));
  const promPort = await freePort();
  prometheusUrl = `http://127.0.0.1:${promPort}`;
  await writeFile(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s }',
      'scrape_configs:',
      `  - job_name: api\n    static_configs: [{ targets: ['127.0.0.1:${api.port}'] }]`,
      `  - job_name: worker\n    static_configs: [{ targets: ['127.0.0.1:${workerPort}'] }]`,
    ].join('\n'),
  );
  prometheus = spawn(
    process.env.PROMETHEUS_BIN ?? 'prometheus',
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    { stdio: 'ignore' },
  );
  await eventually(() => fetch(`${prometheusUrl}/-/ready`).then((r) => r.ok, () => false), (ready) => ready);
});
afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await api?.close();
  await stage?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A PromQL instant query's first value, once it has one that `check` accepts. */
async function promql(query: string, check: (value: number) => boolean = (value) => value > 0): Promise<number> {
  const value = async () => {
    const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
    const first = body.data.result[0];
    return first ? Number(first.value[1]) : NaN;
  };
  return eventually(value, (v) => !Number.isNaN(v) && check(v));
}

test('when a job has run, then Prometheus has it: finished and submitted jobs, step and request histograms, pages, the engines and the SDK', async () => {
  const png = await renderText({ lines: ['Measured from end to end'] });
  const submitted = await fetch(`${api.base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png });
  const { jobId } = (await submitted.json()) as { jobId: string };
  const done = await eventually(
    () => fetch(`${api.base}/jobs/${jobId}`).then((r) => r.json() as Promise<{ status: JobStatus }>),
    (job) => isTerminalStatus(job.status),
  );
  expect(done.status).toBe('DONE');

  expect(await promql('sum(ocr_jobs_finished_total{status="DONE"})')).toBeGreaterThanOrEqual(1);
  expect(await promql('sum(ocr_jobs_submitted_total{source="upload"})')).toBeGreaterThanOrEqual(1);
  expect(await promql('sum(ocr_step_duration_seconds_count{step="recognize",outcome="done"})')).toBeGreaterThanOrEqual(1);
  expect(await promql('sum(ocr_job_duration_seconds_count)')).toBeGreaterThanOrEqual(1);
  expect(await promql('sum(ocr_pages_total{outcome="done"})')).toBeGreaterThanOrEqual(1);
  expect(await promql('sum(http_request_duration_seconds_count{route="/jobs",method="POST",status="202"})')).toBeGreaterThanOrEqual(1);
  expect(await promql('count(ocr_engine_busy_ratio)')).toBe(1);
  // Node's own, on both processes, and the Temporal SDK's worker metrics beside ours.
  expect(await promql('count(process_resident_memory_bytes)', (v) => v === 2)).toBe(2);
  expect(await promql('count({__name__=~"temporal_.+", job="worker"})')).toBeGreaterThan(0);
});

test('when a request path carries an id, then the route label is its pattern, never the id', async () => {
  await fetch(`${api.base}/jobs/00000000-0000-4000-8000-000000000000`);
  const text = await (await fetch(`${api.base}/metrics`)).text();

  expect(text).toContain('route="/jobs/:jobId"');
  expect(text).not.toContain('00000000-0000-4000-8000-000000000000');
  expect((await fetch(workerMetrics)).headers.get('content-type')).toMatch(/^text\/plain/);
});
