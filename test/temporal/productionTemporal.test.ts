// The service against a Temporal server that wants mutual TLS and an API key, as production
// servers and Temporal Cloud do: the API and a worker process reach it through a real TLS
// gateway (test/helpers/temporalGateway.ts) and run a job; wrong credentials are refused.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { isTerminalStatus, type JobStatus } from '../../src/shared/jobs';
import { renderText } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { freePort } from '../helpers/ports';
import { startApiProcess, startWorkerProcess, type RunningProcess } from '../helpers/processes';
import { startTestServer } from '../helpers/temporal';
import { certificateAuthority, startTemporalGateway, type TemporalGateway } from '../helpers/temporalGateway';

let env: TestWorkflowEnvironment;
let gateway: TemporalGateway;
let dir: string;
let ca: ReturnType<typeof certificateAuthority>;
let credentials: Record<string, string>;
const apiKey = `key-${randomBytes(12).toString('hex')}`;
const started: RunningProcess[] = [];

beforeAll(async () => {
  env = await startTestServer();
  ca = certificateAuthority('ocr-jobs test CA');
  gateway = await startTemporalGateway({ upstream: env.address, server: ca.server(), clientCa: ca.cert, apiKey });
  dir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-tls-'));
  const client = ca.client('ocr-jobs');
  await writeFile(path.join(dir, 'client.pem'), client.cert);
  await writeFile(path.join(dir, 'client-key.pem'), client.key, { mode: 0o600 });
  // Certificate and key as files, the CA as PEM text: both forms are accepted.
  credentials = {
    TEMPORAL_ADDRESS: gateway.address,
    TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'),
    TEMPORAL_TLS_KEY: path.join(dir, 'client-key.pem'),
    TEMPORAL_TLS_CA: ca.cert,
    TEMPORAL_API_KEY: apiKey,
    TEMPORAL_TASK_QUEUE: `tls-${randomUUID()}`,
    DATA_DIR: dir,
    OCR_POOL_SIZE: '1',
    HOST: '127.0.0.1',
  };
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((process) => process.stop('SIGTERM')));
});
afterAll(async () => {
  await gateway?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function api(settings: Record<string, string>): Promise<string> {
  const port = await freePort();
  started.push(await startApiProcess({ ...settings, PORT: String(port) }));
  return `http://127.0.0.1:${port}`;
}

test('when Temporal wants mutual TLS and an API key, then the API and the worker given them run a job to DONE', async () => {
  started.push(await startWorkerProcess(credentials));
  const base = await api(credentials);

  const ready = await fetch(`${base}/readyz`);
  const submitted = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: await renderText({ lines: ['Over mutual TLS'] }) });
  const { jobId } = (await submitted.json()) as { jobId: string };
  const done = await eventually(
    () => fetch(`${base}/jobs/${jobId}`).then((r) => r.json() as Promise<{ status: JobStatus; result: { text: string } | null }>),
    (job) => isTerminalStatus(job.status),
  );

  expect(ready.status).toBe(200);
  expect(submitted.status).toBe(202);
  expect(done.status).toBe('DONE');
  expect(done.result?.text.toLowerCase()).toContain('mutual');
  expect(gateway.refused()).toBe(0);
}, 120_000);

test('when the API key is wrong, or the client certificate is not one the server trusts, then Temporal refuses and the API says it cannot reach it', async () => {
  const stranger = certificateAuthority('somebody else').client('intruder');
  await writeFile(path.join(dir, 'stranger.pem'), stranger.cert);
  await writeFile(path.join(dir, 'stranger-key.pem'), stranger.key, { mode: 0o600 });
  const wrongKey = await api({ ...credentials, TEMPORAL_API_KEY: 'not-the-key' });
  const wrongCertificate = await api({ ...credentials, TEMPORAL_TLS_CERT: path.join(dir, 'stranger.pem'), TEMPORAL_TLS_KEY: path.join(dir, 'stranger-key.pem') });
  const refusedBefore = gateway.refused();

  const keyRead = await fetch(`${wrongKey}/readyz`);
  const certificateRead = await fetch(`${wrongCertificate}/readyz`);

  expect(keyRead.status).toBe(503);
  expect(gateway.refused()).toBeGreaterThan(refusedBefore);
  expect(certificateRead.status).toBe(503);
  expect(((await certificateRead.json()) as { code: string }).code).toBe('TEMPORAL_UNAVAILABLE');
}, 120_000);
