// The service for a benchmark: a Temporal dev server, worker processes and an API process,
// each on free ports with its own data folder, started as a user would run them.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../test/helpers/ports';
import { DevServer, startApiProcess, startWorkerProcess, type RunningProcess } from '../../test/helpers/processes';

export interface StackOptions {
  workers: number;
  /** OCR engines per worker process. */
  poolSize: number;
  /** Task queue the API submits to; a queue no worker polls keeps jobs waiting. */
  apiTaskQueue?: string;
  /** Further settings of the API process. */
  apiEnv?: Record<string, string>;
  /** Further settings of every process (API and workers). */
  env?: Record<string, string>;
}

export interface Stack {
  api: string;
  /** DATA_DIR of every process: the blob store is under `blobs/`. */
  dataDir: string;
  apiPid: number;
  /** The Temporal dev server's process. */
  serverPid: number;
  /** The Temporal server's Prometheus metrics. */
  metricsUrl: string;
  workers: RunningProcess[];
  client: Client;
  stop(): Promise<void>;
}

export async function startStack({ workers, poolSize, apiTaskQueue, apiEnv = {}, env = {} }: StackOptions): Promise<Stack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-bench-'));
  const metricsPort = await freePort();
  const server = new DevServer(await freePort(), path.join(dataDir, 'temporal.db'), metricsPort);
  await server.start();
  const port = await freePort();
  // Several workers share this host: none serves metrics unless asked.
  const common = { TEMPORAL_ADDRESS: server.address, DATA_DIR: dataDir, LOG_LEVEL: 'info', OCR_POOL_SIZE: String(poolSize), WORKER_METRICS_PORT: '0', ...env };
  const workerProcesses: RunningProcess[] = [];
  let apiProcess: RunningProcess | undefined;
  let client: Client;
  try {
    for (let i = 0; i < workers; i++) workerProcesses.push(await startWorkerProcess(common));
    apiProcess = await startApiProcess({
      ...common,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(apiTaskQueue ? { TEMPORAL_TASK_QUEUE: apiTaskQueue } : {}),
      ...apiEnv,
    });
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
  } catch (err) {
    // A process that does not start leaves nothing running behind it.
    await apiProcess?.stop('SIGTERM');
    await Promise.all(workerProcesses.map((worker) => worker.stop('SIGTERM')));
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const api = apiProcess;
  return {
    api: `http://127.0.0.1:${port}`,
    dataDir,
    apiPid: api.pid,
    serverPid: server.pid!,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    workers: workerProcesses,
    client,
    async stop() {
      await api.stop('SIGTERM');
      await Promise.all(workerProcesses.map((worker) => worker.stop('SIGTERM')));
      await client.connection.close();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Peak resident memory of a process so far (VmHWM), in MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU seconds a process has used so far (/proc/PID/stat): its own, all its threads, and its
 * children's that it has waited for (a worker's native tesseract processes).
 */
export async function cpuSeconds(pid: number): Promise<{ own: number; children: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const [utime, stime, cutime, cstime] = fields.slice(11, 15) as [number, number, number, number];
  return { own: (utime + stime) / CLOCK_TICKS, children: (cutime + cstime) / CLOCK_TICKS };
}

