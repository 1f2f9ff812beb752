// The supervisor killed outright (SIGKILL, the OOM killer, a crash) has no chance to stop its
// children; they must stop by themselves, or the next `npm start` finds its ports taken.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { eventually } from '../helpers/jobs';
import { freePort } from '../helpers/ports';
import { descendantsOf, isRunning, type ProcessInfo } from '../helpers/processTree';
import { temporalCli } from '../helpers/temporal';

const SUPERVISOR = path.join(PROJECT_ROOT, 'dist/src/start/main.js');

interface Service {
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  /** What the supervisor and its children printed. */
  output(): string;
}

let env: Record<string, string>;
let dataDir: string;
let base: string;
const started: Service[] = [];
/** Process groups to kill after the tests, so that nothing outlives a failed run. */
const groups = new Set<number>();

function startSupervisor(): Service {
  const child = spawn(process.execPath, [SUPERVISOR], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let printed = '';
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const service = {
    child,
    pid: child.pid!,
    exited: new Promise<number | null>((resolve) => child.once('exit', resolve)),
    output: () => printed,
  };
  started.push(service);
  groups.add(service.pid);
  return service;
}

/** Waits until the API is ready and the worker polls: the service as it runs most of its life. */
async function ready(service: Service): Promise<void> {
  await Promise.race([
    (async () => {
      await eventually(
        () => fetch(`${base}/readyz`).then((r) => r.status, () => 0),
        (status) => status === 200,
        90_000,
      );
      await eventually(async () => service.output(), (out) => out.includes('"msg":"worker started"'), 90_000);
    })(),
    service.exited.then((code) => {
      throw new Error(`the supervisor exited with ${code} before it was ready:\n${service.output()}`);
    }),
  ]);
}

/** Of these processes, the ones still running, by name, for a readable failure. */
function stillRunning(processes: ProcessInfo[]): string[] {
  return processes.filter(isRunning).map(({ pid, name }) => `${pid} ${name}`);
}

beforeAll(async () => {
  if (!existsSync(SUPERVISOR)) throw new Error('run `npm run build` first (npm test does)');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-orphans-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_CLI: temporalCli(),
    TEMPORAL_ADDRESS: '',
    DATA_DIR: dataDir,
    OCR_POOL_SIZE: '1',
    LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  for (const service of started) {
    if (service.child.exitCode === null && service.child.signalCode === null) {
      for (const { pgid } of descendantsOf(service.pid)) groups.add(pgid);
    }
  }
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Every process of that group has exited already.
    }
  }
  await rm(dataDir, { recursive: true, force: true });
});

test('when the supervisor is killed with SIGKILL, then every process it started ends and a new one on the same ports starts and stops', async () => {
  const first = startSupervisor();
  await ready(first);
  const children = descendantsOf(first.pid);
  for (const { pgid } of children) groups.add(pgid);

  process.kill(first.pid, 'SIGKILL');
  await eventually(async () => stillRunning(children), (running) => running.length === 0, 60_000);
  const second = startSupervisor();
  await ready(second);
  const secondChildren = descendantsOf(second.pid);
  second.child.kill('SIGTERM');

  expect(children.length).toBeGreaterThanOrEqual(3);
  expect(await second.exited).toBe(0);
  expect(stillRunning(secondChildren)).toEqual([]);
}, 240_000);
