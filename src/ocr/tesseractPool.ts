import { createWorker, OEM, PSM, type Page, type Worker as TesseractWorker } from 'tesseract.js';
import { OCR_ENGINE } from './engine';
import { threadScript } from './threads';
import type { Logger } from 'pino';
import type { OcrBlock, OcrEngine, PageRecognition, RecognizeOptions } from './types';
import { meanConfidence, pageWords } from './words';

export interface TesseractPoolOptions {
  /** Most tesseract.js workers alive at once; each uses one core while recognising. */
  size: number;
  /** Recycle a worker after this many pages: its WebAssembly heap only grows. */
  recycleAfterPages: number;
  /** Folder holding `<lang>.traineddata.gz` for every language (see prepareLangPath). */
  langPath: string;
  logger: Logger;
}

interface Slot {
  worker: TesseractWorker;
  languages: string;
  /** The page segmentation the worker is set to (tesseract.js's default, one block, at first); null once unknown. */
  segmentation: NonNullable<RecognizeOptions['segmentation']> | null;
  pages: number;
  /** Receives the progress of the page this worker is on. */
  progress: { listener?: ((fraction: number) => void) | undefined };
}

/** What a waiter gets: a worker handed back, or leave to create one (its place is reserved). */
type Grant = Slot | 'create';

export class PoolClosedError extends Error {
  constructor() {
    super('the OCR pool is closed');
    this.name = 'PoolClosedError';
  }
}

/**
 * A fixed-size pool of tesseract.js workers, created on demand and reused across pages
 * and jobs. A worker keeps its loaded languages and is switched only when a page needs
 * others, so a steady stream of one language pays the start-up cost once per worker.
 */
export class TesseractPool implements OcrEngine {
  readonly name = OCR_ENGINE;
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<{ resolve: (grant: Grant) => void; reject: (err: unknown) => void }> = [];
  private live = 0;
  private closed = false;

  constructor(private readonly options: TesseractPoolOptions) {}

  /** Share of the pool's engines recognising a page now (0-1). */
  get busyRatio(): number {
    return Math.max(0, this.live - this.idle.length) / this.options.size;
  }

  async recognize(image: Buffer, { languages, pdf, signal, onProgress, segmentation = 'block' }: RecognizeOptions): Promise<PageRecognition> {
    signal?.throwIfAborted();
    const slot = await this.acquire(languages.join('+'), signal);
    if (signal?.aborted) {
      // Aborted while a worker was being made or switched: keep the worker, skip the page.
      this.release(slot, true);
      throw signal.reason;
    }
    slot.progress.listener = onProgress;
    let healthy = false;
    try {
      if (slot.segmentation !== segmentation) {
        await slot.worker.setParameters({ tessedit_pageseg_mode: segmentation === 'sparse' ? PSM.SPARSE_TEXT : PSM.SINGLE_BLOCK });
        slot.segmentation = segmentation;
      }
      const page = await abortable(
        slot.worker.recognize(image, { pdfTitle: 'ocr-jobs' }, { text: true, blocks: true, pdf: Boolean(pdf) }),
        signal,
      );
      healthy = true;
      const recognition = { ...toPageRecognition(page.data), engine: this.name };
      return page.data.pdf ? { ...recognition, pdf: Uint8Array.from(page.data.pdf) } : recognition;
    } finally {
      slot.progress.listener = undefined;
      slot.pages += 1;
      // A worker aborted mid-page, or one that failed, may still be busy or broken: replace it.
      this.release(slot, healthy && slot.pages < this.options.recycleAfterPages);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new PoolClosedError());
    await Promise.all(this.idle.splice(0).map((slot) => this.discard(slot)));
  }

  private async acquire(languages: string, signal?: AbortSignal): Promise<Slot> {
    if (this.closed) throw new PoolClosedError();
    let grant: Grant | undefined = this.takeIdle(languages);
    if (!grant && this.live < this.options.size) {
      this.live += 1;
      grant = 'create';
    }
    grant ??= await this.wait(signal);
    if (grant === 'create') {
      try {
        return await this.create(languages);
      } catch (err) {
        this.live -= 1;
        this.wakeOne();
        throw err;
      }
    }
    if (grant.languages !== languages) {
      try {
        await grant.worker.reinitialize(languages, OEM.LSTM_ONLY);
        grant.languages = languages;
        // Whether a new start kept the page segmentation is tesseract.js's business: set it again.
        grant.segmentation = null;
      } catch (err) {
        this.release(grant, false);
        throw err;
      }
    }
    return grant;
  }

  private takeIdle(languages: string): Slot | undefined {
    const index = this.idle.findIndex((slot) => slot.languages === languages);
    return index >= 0 ? this.idle.splice(index, 1)[0] : this.idle.pop();
  }

  private wait(signal?: AbortSignal): Promise<Grant> {
    return new Promise<Grant>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal?.reason);
      };
      const waiter = {
        resolve: (grant: Grant) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(grant);
        },
        reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(slot: Slot, reuse: boolean): void {
    if (reuse && !this.closed) {
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(slot);
      else this.idle.push(slot);
      return;
    }
    this.live -= 1;
    void this.discard(slot);
    this.wakeOne();
  }

  /** A place freed up: the first waiter may create a new worker in it. */
  private wakeOne(): void {
    if (this.closed || this.live >= this.options.size) return;
    const waiter = this.waiting.shift();
    if (!waiter) return;
    this.live += 1;
    waiter.resolve('create');
  }

  private async create(languages: string): Promise<Slot> {
    const started = performance.now();
    const progress: Slot['progress'] = {};
    const worker = await createWorker(languages, OEM.LSTM_ONLY, {
      langPath: this.options.langPath,
      // tesseract.js's worker script, at the OCR priority.
      workerPath: threadScript('tesseractThread.js'),
      gzip: true,
      // Language data comes from installed packages; nothing is cached or downloaded.
      cacheMethod: 'none',
      logger: (message) => {
        if (message.status === 'recognizing text') progress.listener?.(message.progress);
      },
      errorHandler: (err: unknown) => this.options.logger.error({ err }, 'tesseract.js worker error'),
    });
    this.options.logger.debug({ languages, ms: Math.round(performance.now() - started) }, 'tesseract.js worker created');
    return { worker, languages, segmentation: 'block', pages: 0, progress };
  }

  private async discard(slot: Slot): Promise<void> {
    try {
      await slot.worker.terminate();
    } catch (err) {
      this.options.logger.warn({ err }, 'tesseract.js worker did not terminate cleanly');
    }
  }
}

function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function toPageRecognition(page: Page): PageRecognition {
  const blocks: OcrBlock[] = (page.blocks ?? []).map((block) => ({
    text: block.text,
    confidence: round(block.confidence),
    bbox: block.bbox,
    lines: block.paragraphs.flatMap((paragraph) =>
      paragraph.lines.map((line) => ({
        text: line.text.trimEnd(),
        confidence: round(line.confidence),
        bbox: line.bbox,
        words: line.words.map((word) => ({ text: word.text, confidence: round(word.confidence), bbox: word.bbox })),
      })),
    ),
  }));
  return { text: page.text, confidence: meanConfidence(pageWords({ blocks })), blocks };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
