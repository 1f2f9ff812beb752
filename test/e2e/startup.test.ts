// `npm start` on a machine where a port it needs is already taken: it says which setting to
// change and exits, instead of restarting a process that cannot listen.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';
import { freePort } from '../helpers/ports';

const SUPERVISOR = path.join(PROJECT_ROOT, 'dist/src/start/main.js');

/** Runs the supervisor to its exit; its exit code and what it printed. */
function startService(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [SUPERVISOR], {
    env: { ...process.env, HOST: '127.0.0.1', DATA_DIR: path.join(os.tmpdir(), `ocr-jobs-startup-${process.pid}`), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

async function occupy(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, release: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('npm start with a port already taken', () => {
  test('when the dev server port is taken, then it exits 1 naming TEMPORAL_DEV_PORT and TEMPORAL_ADDRESS, having started nothing', async () => {
    const taken = await occupy();
    try {
      const { code, output } = await startService({
        PORT: String(await freePort()),
        TEMPORAL_DEV_PORT: String(taken.port),
        TEMPORAL_UI_PORT: String(await freePort()),
        TEMPORAL_ADDRESS: '',
      });

      expect(code).toBe(1);
      expect(output).toContain(`port ${taken.port} is already in use`);
      expect(output).toContain('TEMPORAL_DEV_PORT');
      expect(output).toContain(`TEMPORAL_ADDRESS=localhost:${taken.port}`);
      expect(output).not.toContain('"started"');
    } finally {
      await taken.release();
    }
  });

  test('when the API port is taken, then it exits 1 naming PORT', async () => {
    const taken = await occupy();
    try {
      const { code, output } = await startService({ PORT: String(taken.port), TEMPORAL_ADDRESS: '127.0.0.1:1' });

      expect(code).toBe(1);
      expect(output).toContain(`port ${taken.port} is already in use: choose another with PORT`);
    } finally {
      await taken.release();
    }
  });
});

const API_SERVER = path.join(PROJECT_ROOT, 'dist/src/api/server.js');

/**
 * Runs the API process, sending each signal once its output shows the marker before it
 * (the last one should stop it), or until it exits; what it printed and its exit code.
 */
function runApi(env: Record<string, string>, steps: Array<[marker: string, signal: NodeJS.Signals]>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [API_SERVER], {
    env: { ...process.env, DATA_DIR: path.join(os.tmpdir(), `ocr-jobs-startup-${process.pid}`), TEMPORAL_ADDRESS: '127.0.0.1:1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let next = 0;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    while (next < steps.length && output.includes(steps[next]![0])) child.kill(steps[next++]![1]);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

describe('exposing the API', () => {
  test('when the supervisor is told to listen on 0.0.0.0 without authentication, then it refuses to start, saying what to set', async () => {
    const { code, output } = await startService({ HOST: '0.0.0.0', PORT: String(await freePort()), TEMPORAL_ADDRESS: '127.0.0.1:1' });

    expect(code).toBe(2);
    expect(output).toContain('HOST=0.0.0.0');
    expect(output).toContain('TENANTS_FILE');
    expect(output).toContain('AUTH=none');
    expect(output).not.toContain('"started"');
  });

  test('when the API is told to listen on 0.0.0.0 without authentication, then it refuses; with AUTH=none it starts and warns', async () => {
    const port = String(await freePort());
    const refused = await runApi({ HOST: '0.0.0.0', PORT: port }, [['API listening', 'SIGTERM']]);
    const open = await runApi({ HOST: '0.0.0.0', PORT: port, AUTH: 'none' }, [['API listening', 'SIGTERM']]);

    expect(refused.code).toBe(2);
    expect(refused.output).toContain('HOST=0.0.0.0 would let anyone');
    expect(open.output).toContain('AUTH=none: the API runs without authentication');
    expect(open.output).toContain('API listening');
  });

  test('when the tenants file is invalid, then the service stops at start with one line per problem', async () => {
    const file = path.join(os.tmpdir(), `ocr-jobs-tenants-${process.pid}.yaml`);
    await writeFile(file, 'tenants:\n  - id: Acme\n    keys: ["ocr_plain-key"]\n    submitPerMinute: 5\n');
    const { code, output } = await startService({ TENANTS_FILE: file, PORT: String(await freePort()), TEMPORAL_ADDRESS: '127.0.0.1:1' });

    expect(code).toBe(2);
    expect(output).toContain('tenants.0.id: use 1 to 40 lower-case letters');
    expect(output).toContain('tenants.0.keys.0: write "sha256:"');
    expect(output).toContain('submitPerMinute');
  });

  test('when the API gets SIGHUP, then it reads the tenants file again', async () => {
    const file = path.join(os.tmpdir(), `ocr-jobs-tenants-hup-${process.pid}.yaml`);
    await writeFile(file, 'tenants:\n  - id: acme\n    keys: []\n');

    const { output } = await runApi({ HOST: '0.0.0.0', PORT: String(await freePort()), TENANTS_FILE: file }, [
      ['API listening', 'SIGHUP'],
      ['tenants file reloaded', 'SIGTERM'],
    ]);

    expect(output).toContain('SIGHUP: reading the tenants file again');
    expect(output).toContain('"tenants":1');
    expect(output).toContain('API stopped');
  });
});
