// Processes as Linux's /proc shows them, for tests that check what a process left behind.
import { readdirSync, readFileSync } from 'node:fs';

/** One process, identified by pid and start time (a pid alone may be reused). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  name: string;
  state: string;
  startTime: string;
}

function readProcess(pid: number): ProcessInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    pid,
    name: stat.slice(open + 1, close),
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startTime: fields[19]!,
  };
}

/** Every process below `root` now: its children, their children, and so on. */
export function descendantsOf(root: number): ProcessInfo[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((info): info is ProcessInfo => info !== null);
  const found: ProcessInfo[] = [];
  for (let parents = new Set([root]); parents.size; ) {
    const children = all.filter((info) => parents.has(info.ppid));
    found.push(...children);
    parents = new Set(children.map((info) => info.pid));
  }
  return found;
}

/** Whether that very process still runs; a zombie has ended and only waits to be reaped. */
export function isRunning(info: ProcessInfo): boolean {
  const now = readProcess(info.pid);
  return now !== null && now.startTime === info.startTime && now.state !== 'Z';
}
