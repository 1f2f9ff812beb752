// The service as `npm start` runs it: npm, the supervisor with an embedded Temporal dev
// server, the worker and the API as separate processes, driven over real HTTP. npm is
// told to skip `prestart` (the build), which `npm test` has done already.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../../src/paths';
import { TASK_QUEUE } from '../../src/shared/jobs';
import { retentionScheduleId } from '../../src/shared/retention';
import { renderText, words } from '../helpers/images';
import { eventually } from '../helpers/jobs';
import { freePort } from '../helpers/ports';
import { temporalCli } from '../helpers/temporal';

const SUPERVISOR = path.join(PROJECT_ROOT, 'dist/src/start/main.js');

let service: ChildProcess;
let exited: Promise<number | null>;
let dataDir: string;
let base: string;
let uiPort: number;
let devAddress: string;

beforeAll(async () => {
  if (!existsSync(SUPERVISOR)) throw new Error('run `npm run build` first (npm test does)');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-e2e-'));
  const [port, devPort] = [await freePort(), await freePort()];
  uiPort = await freePort();
  base = `http://127.0.0.1:${port}`;
  devAddress = `127.0.0.1:${devPort}`;
  service = spawn('npm', ['start', '--ignore-scripts'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_CLI: temporalCli(),
      DATA_DIR: dataDir,
      OCR_POOL_SIZE: '1',
      LOG_LEVEL: 'warn',
      TEMPORAL_ADDRESS: '',
      RETENTION_DAYS: '3',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group, so that whatever is left can be killed after the tests.
    detached: true,
  });
  exited = new Promise((resolve) => service.once('exit', (code) => resolve(code)));
  await eventually(
    () => fetch(`${base}/readyz`).then((r) => r.status, () => 0),
    (status) => status === 200,
    90_000,
  );
}, 120_000);

afterAll(async () => {
  try {
    process.kill(-service.pid!, 'SIGKILL');
  } catch {
    // Every process of the group has exited already.
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('the service as npm start runs it', () => {
  test('when a document is posted over HTTP, then polling its Location ends DONE with the text', async () => {
    const png = await renderText({ lines: ['End to end through', 'three processes'] });

    const submitted = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png });
    const location = submitted.headers.get('location');

    expect(submitted.status).toBe(202);
    const done = await eventually(
      () => fetch(`${base}${location}`).then((r) => r.json() as Promise<{ status: string; result: { text: string } }>),
      (job) => job.status === 'DONE' || job.status === 'ERROR',
    );
    expect(done.status).toBe('DONE');
    expect(words(done.result.text)).toEqual(['end', 'to', 'end', 'through', 'three', 'processes']);
  });

  test('when the service runs, then its dev server keeps closed jobs RETENTION_DAYS and a day, and the worker set up the retention schedule', async () => {
    const client = new Client({ connection: await Connection.connect({ address: devAddress }) });
    try {
      const { config } = await client.workflowService.describeNamespace({ namespace: 'default' });
      // Made by the worker at its start, which may come a moment after the API is ready.
      const schedule = await eventually(
        () => client.schedule.getHandle(retentionScheduleId(TASK_QUEUE)).describe().catch(() => null),
        (described) => described !== null,
      );

      expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(4 * 86_400);
      expect(schedule?.action).toMatchObject({ type: 'startWorkflow', workflowType: 'expireJobsWorkflow', args: [{ retentionDays: 3 }] });
    } finally {
      await client.connection.close();
    }
  });

  test('when the service runs, then the Temporal Web UI answers on its port', async () => {
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);

    expect(ui.status).toBe(200);
  });

  test('when npm start gets SIGTERM, then every process stops and it exits 0', async () => {
    service.kill('SIGTERM');

    expect(await exited).toBe(0);
    expect(await fetch(`${base}/healthz`).then(() => 'up', () => 'down')).toBe('down');
    expect(await fetch(`http://127.0.0.1:${uiPort}/`).then(() => 'up', () => 'down')).toBe('down');
    expect(existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
  });
});
