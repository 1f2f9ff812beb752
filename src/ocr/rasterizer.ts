import { Worker } from 'node:worker_threads';
import type { RasterRequest, RasterResponse } from './rasterProtocol';
import { threadScript } from './threads';

export class RasterError extends Error {
  constructor(
    message: string,
    /** True when the document itself cannot be read (as opposed to the renderer failing). */
    readonly corrupt: boolean,
  ) {
    super(message);
    this.name = 'RasterError';
  }
}

/** A document's bytes, or how to load them when they are needed. */
export type DocumentBytes = Buffer | (() => Promise<Buffer>);

type RequestFields = Omit<RasterRequest, 'id' | 'dpi' | 'maxPixels' | 'bytes'>;

export function loadBytes(bytes: DocumentBytes): Promise<Buffer> {
  return typeof bytes === 'function' ? bytes() : Promise.resolve(bytes);
}

export interface RenderedPage {
  png: Buffer;
  width: number;
  height: number;
  dpi: number;
}

/**
 * Renders PDF pages (at `dpi`) and BMP images (at their own size) to PNG with MuPDF in a worker thread, so a big page never
 * blocks the event loop that heartbeats, and MuPDF's memory stays in its own heap. The
 * thread is replaced after `recycleAfter` pages.
 */
export class Rasterizer {
  private worker: Worker | null = null;
  private served = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RasterResponse) => void; reject: (e: Error) => void }>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { dpi: number; maxPixels: number; recycleAfter?: number }) {}

  async pageCount(documentKey: string, bytes: DocumentBytes, mediaType: string): Promise<number> {
    const response = await this.request({ documentKey, mediaType }, bytes);
    return response.pageCount;
  }

  async render(documentKey: string, bytes: DocumentBytes, mediaType: string, pageIndex: number): Promise<RenderedPage> {
    const response = await this.request({ documentKey, mediaType, pageIndex }, bytes);
    const page = response.page!;
    return { png: Buffer.from(page.png.buffer, page.png.byteOffset, page.png.byteLength), width: page.width, height: page.height, dpi: page.dpi };
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  /**
   * One request at a time: MuPDF is single-threaded and pages are rendered in turn. The
   * document's bytes are only loaded and sent when the worker does not have it open.
   */
  private request(fields: RequestFields, bytes: DocumentBytes): Promise<Extract<RasterResponse, { ok: true }>> {
    const run = this.queue.then(async () => {
      const first = await this.send(fields);
      if (first.ok) return first;
      const response = first.needBytes ? await this.send({ ...fields, bytes: await loadBytes(bytes) }) : first;
      if (!response.ok) throw new RasterError(response.message, response.corrupt);
      return response;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(fields: RequestFields & { bytes?: Uint8Array }): Promise<RasterResponse> {
    if (this.served >= (this.options.recycleAfter ?? 200)) await this.close();
    const worker = this.ensureWorker();
    this.served += 1;
    const id = this.nextId++;
    return new Promise<RasterResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...fields, id, dpi: this.options.dpi, maxPixels: this.options.maxPixels } satisfies RasterRequest);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(threadScript('rasterWorker.mjs'));
    worker.unref();
    this.served = 0;
    worker.on('message', (response: RasterResponse) => {
      this.pending.get(response.id)?.resolve(response);
      this.pending.delete(response.id);
    });
    const fail = (err: Error) => {
      for (const { reject } of this.pending.values()) reject(new RasterError(err.message, false));
      this.pending.clear();
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the raster thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
