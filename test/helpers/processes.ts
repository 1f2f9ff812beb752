// The service's own processes (worker, API) and a Temporal dev server, started for tests
// that stop, kill and restart them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../../src/paths';
import { devServerArgs } from '../../src/temporal/cli';
import { eventually } from './jobs';
import { temporalCli } from './temporal';

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** What the process printed, for messages when a test fails. */
  output(): string;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function run(command: string, args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    exited,
    output: () => printed,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

function builtScript(relative: string): string {
  const script = path.join(PROJECT_ROOT, 'dist/src', relative);
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first (npm test does)`);
  return script;
}

async function startService(relative: string, ready: string, env: Record<string, string>): Promise<RunningProcess> {
  const service = run(process.execPath, [builtScript(relative)], { LOG_LEVEL: 'info', ...env });
  await Promise.race([
    eventually(async () => service.output(), (out) => out.includes(`"msg":"${ready}"`), 60_000),
    service.exited.then((code) => {
      throw new Error(`${relative} exited with ${code} before it was ready:\n${service.output()}`);
    }),
  ]);
  return service;
}

/** A worker process (dist/src/worker/main.js), ready once it polls. */
export function startWorkerProcess(env: Record<string, string>): Promise<RunningProcess> {
  return startService('worker/main.js', 'worker started', env);
}

/** An API process (dist/src/api/server.js), ready once it listens. */
export function startApiProcess(env: Record<string, string>): Promise<RunningProcess> {
  return startService('api/server.js', 'API listening', env);
}

/** A Temporal dev server keeping its state in `dbFile`, which can be stopped and started again. */
export class DevServer {
  private process: RunningProcess | null = null;

  constructor(
    readonly port: number,
    private readonly dbFile: string,
    /** Where the server serves its Prometheus metrics (none when not given). */
    readonly metricsPort?: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The server's process id while it runs. */
  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  async start(): Promise<void> {
    const args = [
      ...devServerArgs({ port: this.port, uiPort: null, namespace: 'default', dbFile: this.dbFile }),
      ...(this.metricsPort === undefined ? [] : ['--metrics-port', String(this.metricsPort)]),
    ];
    this.process = run(temporalCli(), args, {});
    await eventually(
      async () => {
        try {
          const connection = await Connection.connect({ address: this.address, connectTimeout: '1 second' });
          await connection.close();
          return true;
        } catch {
          return false;
        }
      },
      (up) => up,
      60_000,
    );
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM');
    this.process = null;
  }
}
