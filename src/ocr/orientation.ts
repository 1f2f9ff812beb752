import type { Logger } from 'pino';
import sharp from 'sharp';
import { createWorker, OEM, type Worker as TesseractWorker } from 'tesseract.js';
import { threadScript } from './threads';
import type { Grey } from './imaging';

/** OSD is slow on big pages and gains nothing from more than this many pixels. */
const OSD_MAX_PIXELS = 3_000_000;
/** Below this OSD confidence the page is left as it is. */
const MIN_CONFIDENCE = 2;

/**
 * Tesseract's orientation and script detection (OSD, `@tesseract.js-data/osd`), for pages
 * whose text lines do not make their orientation plain. One legacy-engine worker, made on
 * first use and shared by the process's pages in turn.
 */
export class OrientationDetector {
  private worker: Promise<TesseractWorker> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { langPath: string; logger: Logger }) {}

  /** Clockwise degrees that turn the page upright (0, 90, 180, 270), or null when unsure. */
  detect(page: Grey): Promise<number | null> {
    const run = this.queue.then(() => this.run(page));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await (await worker).terminate();
  }

  private async run(page: Grey): Promise<number | null> {
    const shrink = Math.min(1, Math.sqrt(OSD_MAX_PIXELS / (page.width * page.height)));
    const png = await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } })
      .resize({ width: Math.round(page.width * shrink) })
      .png({ compressionLevel: 1 })
      .toBuffer();
    this.worker ??= createWorker('osd', OEM.TESSERACT_ONLY, {
      langPath: this.options.langPath,
      // tesseract.js's worker script, at the OCR priority.
      workerPath: threadScript('tesseractThread.js'),
      legacyCore: true,
      legacyLang: true,
      gzip: true,
      cacheMethod: 'none',
      errorHandler: (err: unknown) => this.options.logger.warn({ err }, 'OSD worker error'),
    });
    try {
      const { data } = await (await this.worker).detect(png);
      if (data.orientation_degrees === null || (data.orientation_confidence ?? 0) < MIN_CONFIDENCE) return null;
      return data.orientation_degrees;
    } catch (err) {
      // "Too few characters": OSD has nothing to go on.
      this.options.logger.debug({ err }, 'OSD found no orientation');
      return null;
    }
  }
}
