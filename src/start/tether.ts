import { spawn } from 'node:child_process';
import { stopWhenSupervisorGone } from './lifeline';

/**
 * Runs `command` with this process as its stand-in, for a program that cannot watch the
 * supervisor's pipe itself (the Temporal CLI is a Go binary): SIGINT and SIGTERM are passed on,
 * this process exits with the command's status, and when the supervisor is gone the command
 * gets SIGTERM, then SIGKILL after `stopTimeoutMs`.
 */
export function runTethered(command: string, args: string[], stopTimeoutMs: number): void {
  // Watched before the command starts, so that a watch that cannot be set up leaves nothing
  // running; the pipe can only close once this function has returned and `child` is set.
  stopWhenSupervisorGone({ kill: (signal) => child.kill(signal) }, stopTimeoutMs);
  // The command reads no input; the supervisor's pipe stays this process's own.
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
