import sharp from 'sharp';
import { DecodeError } from './decodeError';
import { LanePool } from './lanePool';
import type { RasterRequest, RasterResponse, TextLayer } from './rasterProtocol';
import { ThreadFailure, type ThreadLane } from './threadLane';
import { threadScript } from './threads';

/** The MuPDF thread failed (crashed, or ran past its time limit): the worker's trouble, not the document's. */
export { ThreadFailure as RasterError };

/** A document's bytes, or how to load them when they are needed. */
export type DocumentBytes = Buffer | (() => Promise<Buffer>);

type RequestFields = Omit<RasterRequest, 'dpi' | 'maxPixels' | 'bytes'>;

export function loadBytes(bytes: DocumentBytes): Promise<Buffer> {
  return typeof bytes === 'function' ? bytes() : Promise.resolve(bytes);
}

export interface RenderedPage {
  /** Grey pixels, `width` × `height`, row after row. */
  grey: Uint8Array;
  width: number;
  height: number;
  dpi: number;
}

/** A rendered page as a PNG (for tools that read files), saying the resolution it was rendered at. */
export function renderedPng({ grey, width, height, dpi }: RenderedPage): Promise<Buffer> {
  return sharp(grey, { raw: { width, height, channels: 1 } }).withMetadata({ density: dpi }).png().toBuffer();
}

export interface RasterizerOptions {
  dpi: number;
  maxPixels: number;
  /** Longest one page may take to render before the thread is ended. */
  timeoutMs: number;
  /** The thread is replaced after this many requests (MuPDF's heap only grows). */
  recycleAfter?: number;
}

/**
 * Renders PDF pages (at `dpi`) and BMP images (at their own size) to grey pixels with MuPDF in a
 * worker thread, so a big page never blocks the event loop that heartbeats, and MuPDF's
 * memory stays in its own heap. One page at a time (MuPDF is single-threaded); a page that
 * takes too long ends the thread, and a thread that crashes fails only the page it was on.
 */
export class Rasterizer {
  private readonly thread: LanePool;
  private served = 0;

  constructor(private readonly options: RasterizerOptions) {
    this.thread = new LanePool(1, { script: threadScript('rasterWorker.mjs'), name: 'PDF rendering', timeoutMs: options.timeoutMs });
  }

  async pageCount(documentKey: string, bytes: DocumentBytes, mediaType: string, signal?: AbortSignal): Promise<number> {
    const response = await this.request({ documentKey, mediaType }, bytes, signal);
    return response.pageCount;
  }

  async render(
    documentKey: string,
    bytes: DocumentBytes,
    mediaType: string,
    pageIndex: number,
    signal?: AbortSignal,
  ): Promise<RenderedPage> {
    const response = await this.request({ documentKey, mediaType, pageIndex }, bytes, signal);
    return response.page!;
  }

  /** A PDF page's text layer, read without rendering it. */
  async textLayer(documentKey: string, bytes: DocumentBytes, mediaType: string, pageIndex: number, signal?: AbortSignal): Promise<TextLayer> {
    const response = await this.request({ documentKey, mediaType, pageIndex, textLayer: true }, bytes, signal);
    return response.layer!;
  }

  /** A PDF page copied out as a one-page PDF, as it is. */
  async pagePdf(documentKey: string, bytes: DocumentBytes, pageIndex: number, signal?: AbortSignal): Promise<Uint8Array> {
    const response = await this.request({ documentKey, mediaType: 'application/pdf', pageIndex, pagePdf: true }, bytes, signal);
    return response.pdf!;
  }

  close(): Promise<void> {
    return this.thread.close();
  }

  /** The document's bytes are only loaded and sent when the thread does not have it open. */
  private request(fields: RequestFields, bytes: DocumentBytes, signal?: AbortSignal): Promise<Extract<RasterResponse, { ok: true }>> {
    return this.thread.run(async (lane) => {
      if (this.served >= (this.options.recycleAfter ?? 200)) {
        await lane.restart();
        this.served = 0;
      }
      this.served += 1;
      const first = await this.send(lane, fields);
      const response = !first.ok && first.needBytes ? await this.send(lane, { ...fields, bytes: await loadBytes(bytes) }) : first;
      if (response.ok) return response;
      if (response.needBytes) throw new ThreadFailure('the PDF rendering thread lost the document');
      throw new DecodeError(response.message, response.fault);
    }, signal);
  }

  private send(lane: ThreadLane, fields: RequestFields & { bytes?: Uint8Array }): Promise<RasterResponse> {
    const request: RasterRequest = { ...fields, dpi: this.options.dpi, maxPixels: this.options.maxPixels };
    return lane.call<RasterResponse>(request);
  }
}
