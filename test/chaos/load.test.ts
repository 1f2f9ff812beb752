// A hundred jobs at once through the real processes (API, two workers, a dev server), while a
// worker is killed outright and the Temporal server restarts: none is lost, none runs twice.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { jobKeys } from '../../src/storage/blobStore';
import { renderText, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { awaitAll, runsPerJob, submitMany } from '../helpers/load';
import { freePort } from '../helpers/ports';
import { DevServer, startApiProcess, startWorkerProcess, type RunningProcess } from '../helpers/processes';

jest.setTimeout(600_000);

const JOBS = 100;

let dataDir: string;
let server: DevServer;
let api: RunningProcess;
let base: string;
const workers: RunningProcess[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-load-'));
  server = new DevServer(await freePort(), path.join(dataDir, 'temporal.db'));
  await server.start();
  env = { TEMPORAL_ADDRESS: server.address, DATA_DIR: dataDir, OCR_POOL_SIZE: '1', TEMPORAL_RPC_TIMEOUT_MS: '2000' };
  for (let i = 0; i < 2; i += 1) workers.push(await startWorkerProcess(env));
  const port = await freePort();
  api = await startApiProcess({ ...env, PORT: String(port), HOST: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await api?.stop('SIGTERM');
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const doneCount = async (jobIds: readonly string[]) => {
  let done = 0;
  for (const jobId of jobIds) {
    if (existsSync(path.join(dataDir, 'blobs', jobKeys.resultText({ jobId, tenant: undefined })))) done += 1;
  }
  return done;
};

test(`when ${JOBS} jobs are submitted at once and a worker is killed and Temporal restarts meanwhile, then every job ends DONE exactly once`, async () => {
  const page = await renderText({ lines: ['Receipt 2048 settled'] });
  const { jobIds, answers } = await submitMany(base, page, 'image/png', JOBS, 50);

  // The chaos, while the jobs run: a worker killed without warning, then the server restarted.
  await eventually(() => doneCount(jobIds), (done) => done >= 10, 300_000);
  await workers[0]!.stop('SIGKILL');
  const doneAtKill = await doneCount(jobIds);
  await eventually(() => doneCount(jobIds), (done) => done >= 30, 300_000);
  await server.stop();
  const doneAtRestart = await doneCount(jobIds);
  await server.start();
  workers[0] = await startWorkerProcess(env);
  const outcomes = await awaitAll(base, jobIds, 480_000);

  // The chaos struck while jobs were still to be done.
  expect(Math.max(doneAtKill, doneAtRestart)).toBeLessThan(JOBS);
  expect(answers['500']).toBeUndefined();
  expect(new Set(jobIds).size).toBe(JOBS);
  expect(outcomes.filter((job) => job.status !== 'DONE').map((job) => [job.jobId, job.status, job.body.error])).toEqual([]);
  for (const jobId of jobIds) {
    const text = await readFile(path.join(dataDir, 'blobs', jobKeys.resultText({ jobId, tenant: undefined })), 'utf8');
    expect(words(text)).toEqual(['receipt', '2048', 'settled']);
  }
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    const runs = await eventually(() => runsPerJob(client), (found) => found.size >= JOBS, 60_000);
    expect([...runs.keys()].sort()).toEqual([...jobIds].sort());
    expect([...runs.values()].filter((count) => count !== 1)).toEqual([]);
  } finally {
    await client.connection.close();
  }
});
