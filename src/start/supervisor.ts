import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { LIFELINE_ENV, LIFELINE_ON_STDIN, LIFELINE_STDIO } from './lifeline';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

interface Supervised {
  spec: ProcessSpec;
  child: ChildProcess | null;
  restarts: number[];
}

/** Restarts allowed within RESTART_WINDOW_MS before the supervisor gives up. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * Keeps a few child processes running: a child that dies is restarted with backoff, one that
 * keeps dying stops everything. `stop()` sends SIGTERM to each in reverse start order and
 * waits for it, so the API drains before the worker and the worker before the server.
 */
export class Supervisor {
  private readonly processes: Supervised[] = [];
  private stopping = false;
  private failed: ((err: Error) => void) | null = null;
  readonly failure: Promise<never>;

  constructor(
    private readonly logger: Logger,
    private readonly stopTimeoutMs: number,
  ) {
    this.failure = new Promise<never>((_resolve, reject) => (this.failed = reject));
    this.failure.catch(() => undefined);
  }

  /** Last resort when the supervisor itself exits: no child outlives it. */
  killAll(): void {
    for (const { child } of this.processes) if (child) killGroup(child);
  }

  start(spec: ProcessSpec): void {
    const entry: Supervised = { spec, child: null, restarts: [] };
    this.processes.push(entry);
    this.launch(entry);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const entry of [...this.processes].reverse()) await this.terminate(entry);
  }

  private launch(entry: Supervised): void {
    const { name, command, args, env } = entry.spec;
    // Own process group: a terminal's Ctrl-C reaches only the supervisor, which then
    // stops the children in order instead of all at once. The group's price is that a
    // child hears nothing when the supervisor dies: the lifeline on stdin tells it.
    const child = spawn(command, args, {
      env: { ...process.env, ...env, [LIFELINE_ENV]: LIFELINE_ON_STDIN },
      stdio: LIFELINE_STDIO,
      detached: true,
    });
    entry.child = child;
    this.logger.info({ process: name, pid: child.pid }, 'started');
    child.on('exit', (code, signal) => {
      entry.child = null;
      child.stdin?.destroy();
      // Whatever the child left in its group goes too (the dev server of a killed tether),
      // or its restart would find the ports taken.
      killGroup(child);
      if (this.stopping) return;
      this.logger.error({ process: name, code, signal }, 'exited unexpectedly');
      const now = Date.now();
      entry.restarts = entry.restarts.filter((at) => now - at < RESTART_WINDOW_MS).concat(now);
      if (entry.restarts.length > MAX_RESTARTS) {
        this.failed?.(new Error(`${name} exited ${MAX_RESTARTS} times within a minute`));
        return;
      }
      const delay = 500 * 2 ** (entry.restarts.length - 1);
      setTimeout(() => !this.stopping && this.launch(entry), delay);
    });
  }

  private async terminate(entry: Supervised): Promise<void> {
    const child = entry.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.logger.warn({ process: entry.spec.name }, 'did not stop in time; killing');
      killGroup(child);
    }, this.stopTimeoutMs);
    await exited;
    clearTimeout(timer);
    this.logger.info({ process: entry.spec.name }, 'stopped');
  }
}

/** SIGKILL to a detached child's whole process group: the child and anything it started. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Every process of the group has exited already.
  }
}
