import { Worker } from 'node:worker_threads';
import type { AnalysisRequest, AnalysisResult } from './pageAnalysis';
import { threadScript } from './threads';

interface Lane {
  worker: Worker;
  busy: boolean;
}

/**
 * Worker threads that run page analysis, so a big page's seconds of pixel work never stall
 * the worker's event loop. Results come back transferred; pages go over copied (sharp's
 * buffers cannot be detached).
 */
export class AnalysisPool {
  private readonly lanes: Lane[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly pending = new Map<number, { resolve: (r: AnalysisResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  constructor(private readonly size: number) {}

  async analyse(request: AnalysisRequest): Promise<AnalysisResult> {
    // Only a buffer the pixels own alone can be transferred (not a slice of a shared pool).
    const own = (image: AnalysisRequest['grey']) =>
      image.data.byteOffset === 0 && image.data.buffer.byteLength === image.data.length
        ? image
        : { ...image, data: Uint8Array.from(image.data) };
    request = { ...request, grey: own(request.grey), smooth: own(request.smooth) };
    const lane = await this.acquire();
    try {
      const id = this.nextId++;
      return await new Promise<AnalysisResult>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        lane.worker.postMessage({ id, request }, [request.grey.data.buffer as ArrayBuffer, request.smooth.data.buffer as ArrayBuffer]);
      });
    } finally {
      lane.busy = false;
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.splice(0).map((lane) => lane.worker.terminate()));
  }

  private async acquire(): Promise<Lane> {
    for (;;) {
      const free = this.lanes.find((lane) => !lane.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      if (this.lanes.length < this.size) {
        const lane = { worker: this.spawn(), busy: true };
        this.lanes.push(lane);
        return lane;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private spawn(): Worker {
    const worker = new Worker(threadScript('analysisThread.js'));
    worker.unref();
    worker.on('message', (message: { id: number; result?: AnalysisResult; error?: string }) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (!waiter) return;
      if (message.result) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error ?? 'page analysis failed'));
    });
    worker.on('error', (err) => {
      for (const waiter of this.pending.values()) waiter.reject(err);
      this.pending.clear();
      const index = this.lanes.findIndex((lane) => lane.worker === worker);
      if (index >= 0) this.lanes.splice(index, 1);
    });
    return worker;
  }
}
