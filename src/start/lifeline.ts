// The tie between `npm start`'s supervisor and its children. A child in its own process group
// hears nothing when the supervisor dies, and a killed supervisor (SIGKILL, the OOM killer)
// cannot stop it. So each child's stdin is a pipe from the supervisor: the kernel closes the
// pipe when the supervisor ends, however it ends, and the child then stops by itself.
import type { StdioOptions } from 'node:child_process';
import { Socket } from 'node:net';
import type { Config } from '../config';

/** Set in a child's environment by the supervisor: this process's stdin is its pipe. */
export const LIFELINE_ENV = 'OCR_JOBS_LIFELINE';
export const LIFELINE_ON_STDIN = 'stdin';

/** A supervised child's stdio: the pipe on stdin, output where the supervisor's goes. */
export const LIFELINE_STDIO: StdioOptions = ['pipe', 'inherit', 'inherit'];

/** How long a child may take to stop after SIGTERM before it is killed: the grace its work gets, and a margin. */
export function stopTimeoutMs(config: Pick<Config, 'shutdownGraceMs'>): number {
  return config.shutdownGraceMs + 5000;
}

/** What can be stopped by signals: this process (`thisProcess`) or a child process. */
export interface Stoppable {
  kill(signal: NodeJS.Signals): unknown;
}

export const thisProcess: Stoppable = { kill: (signal) => process.kill(process.pid, signal) };

/**
 * Once the supervisor that started this process is gone, stops `target` as the supervisor's
 * own stop would: SIGTERM (so the process's usual graceful path runs), then SIGKILL when it
 * has not ended within `timeoutMs`, since no supervisor is left to do that. Does nothing in
 * a process started otherwise (`npm run worker`), whose stdin may be a terminal or closed.
 */
export function stopWhenSupervisorGone(target: Stoppable, timeoutMs: number): void {
  if (process.env[LIFELINE_ENV] !== LIFELINE_ON_STDIN) return;
  const pipe = process.stdin;
  if (!(pipe instanceof Socket)) throw new Error(`${LIFELINE_ENV} is set, but stdin is not the supervisor's pipe`);
  // The supervisor writes nothing; reading is how the end of the pipe is seen.
  pipe.on('data', () => undefined);
  // A broken pipe means the same as a closed one, and 'close' follows.
  pipe.on('error', () => undefined);
  pipe.once('close', () => {
    target.kill('SIGTERM');
    setTimeout(() => target.kill('SIGKILL'), timeoutMs).unref();
  });
  // The watch alone must not keep a process running that has finished its work.
  pipe.unref();
}
