// `npm start` on a machine where a port it needs is already taken: it says which setting to
// change and exits, instead of restarting a process that cannot listen.
import { spawn } from 'node:child_process';
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
