import path from 'node:path';
import { freePort } from '../../test/helpers/ports';
import { eventually } from '../../test/helpers/jobs';
import { spawn } from 'node:child_process';

/** The bare express baseline (baselineServer.ts) in its own process, like the API. */
export async function startBaseline(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, '../baselineServer.js'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await eventually(async () => out, (text) => text.includes('baseline listening'), 30_000);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
