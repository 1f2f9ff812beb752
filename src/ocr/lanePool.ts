import { ThreadLane, type ThreadLaneOptions } from './threadLane';

/**
 * A fixed set of thread lanes shared by the pages in flight: a task waits (in order, and
 * only as long as its caller still wants it) for a free lane and has it to itself while it
 * runs. Threads start on first use.
 */
export class LanePool {
  private readonly lanes: ThreadLane[];
  private readonly idle: ThreadLane[];
  private readonly waiting: Array<(lane: ThreadLane) => void> = [];

  constructor(size: number, options: ThreadLaneOptions) {
    this.lanes = Array.from({ length: Math.max(1, size) }, () => new ThreadLane(options));
    this.idle = [...this.lanes];
  }

  /** Runs `work` on a free lane; a cancelled `signal` gives up the wait for one. */
  async run<T>(work: (lane: ThreadLane) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const lane = this.idle.pop() ?? (await this.wait(signal));
    try {
      return await work(lane);
    } finally {
      const next = this.waiting.shift();
      if (next) next(lane);
      else this.idle.push(lane);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.restart()));
  }

  private wait(signal?: AbortSignal): Promise<ThreadLane> {
    return new Promise<ThreadLane>((resolve, reject) => {
      const grant = (lane: ThreadLane) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(lane);
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }
}
