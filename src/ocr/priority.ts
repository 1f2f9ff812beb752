// OCR work runs at a lower CPU priority than the rest of the worker (workflow tasks, the
// Temporal connection) and than the API and Temporal on the same host, so that with every
// core reading pages they still answer at once. Linux keeps a nice value per thread: each
// thread doing OCR work (the engines, page analysis, PDF rendering, libvips) lowers its own.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Environment variable the OCR threads read their nice value from (set by createOcrStack). */
const NICE_VARIABLE = 'OCR_NICE';

/** Whether a thread's priority can be lowered alone: elsewhere it would lower the whole process. */
const PER_THREAD = process.platform === 'linux';

/** Hands the nice value to the OCR threads started from now on (they read it from the environment). */
export function setOcrNice(nice: number): void {
  process.env[NICE_VARIABLE] = String(nice);
}

/** The nice value OCR threads take, or null when they keep the priority they have. */
function ocrNice(): number | null {
  const nice = Number(process.env[NICE_VARIABLE] ?? 0);
  return PER_THREAD && nice > 0 ? Math.min(19, nice) : null;
}

/** Lowers the calling thread's priority to the OCR nice value; called first thing in an OCR thread. */
export function lowerThisThread(): void {
  const nice = ocrNice();
  if (nice === null) return;
  try {
    // On Linux the nice value of "process 0" is the calling thread's own.
    os.setPriority(nice);
  } catch {
    // Not permitted (a sandbox): the thread runs at the priority it has.
  }
}

/**
 * libvips (sharp) runs its pixel work on threads of its own, started as it needs them: each
 * call lowers those not lowered yet, found by their name. Cheap: one listing of the
 * process's threads.
 */
export class LibvipsThreads {
  private lowered = new Set<string>();

  lower(): void {
    const nice = ocrNice();
    if (nice === null) return;
    let threads: string[];
    try {
      threads = readdirSync('/proc/self/task');
    } catch {
      return;
    }
    // Ids of threads that ended are forgotten (ids are reused).
    this.lowered = new Set(threads.filter((tid) => this.lowered.has(tid)));
    for (const tid of threads) {
      if (this.lowered.has(tid)) continue;
      try {
        if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'libvips worker') continue;
        os.setPriority(Number(tid), nice);
        this.lowered.add(tid);
      } catch {
        // The thread ended meanwhile, or lowering is not permitted.
      }
    }
  }
}
