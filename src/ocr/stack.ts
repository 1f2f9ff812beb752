import type { Logger } from 'pino';
import type { Config } from '../config';
import { AnalysisPool } from './analysisPool';
import { prepareLangPath } from './languages';
import { OrientationDetector } from './orientation';
import { OcrPipeline } from './pipeline';
import { setOcrNice } from './priority';
import { Rasterizer } from './rasterizer';
import { nativeInstallFor, OcrEngines, readableLanguages } from './engines';
import { NativeTesseract } from './nativeEngine';
import { TesseractPool } from './tesseractPool';

export interface OcrStack {
  pipeline: OcrPipeline;
  /** The engines pages are read by (OCR_ENGINE picks among them). */
  pool: OcrEngines;
  /** The languages a job may ask for. */
  languages: string[];
  close(): Promise<void>;
}

/**
 * A worker process's OCR machinery: one pool of tesseract.js workers, as many threads for
 * page analysis, one MuPDF thread for PDF pages, one OSD worker, and the pipeline over
 * them. Language data is linked into `langDir` from the installed packages.
 */
export async function createOcrStack(config: Config, logger: Logger, langDir: string): Promise<OcrStack> {
  // Every OCR thread started from here on runs at this nice value.
  setOcrNice(config.ocr.nice);
  const langPath = await prepareLangPath(langDir);
  // OCR_ENGINE=native without a runnable `tesseract` stops the worker here, saying why.
  const install = nativeInstallFor(config.ocr.engine);
  const native = install ? new NativeTesseract({ install, slots: config.ocr.poolSize, nice: config.ocr.nice }) : null;
  const tesseractjs = new TesseractPool({
    size: config.ocr.poolSize,
    recycleAfterPages: config.ocr.recycleAfterPages,
    langPath,
    logger,
  });
  const pool = new OcrEngines(config.ocr.engine, tesseractjs, native);
  logger.info({ setting: config.ocr.engine, native: native?.name ?? null, tesseractjs: tesseractjs.name }, 'OCR engines');
  const timeoutMs = config.ocr.threadTaskTimeoutMs;
  const rasterizer = new Rasterizer({ dpi: config.ocr.pdfDpi, maxPixels: config.limits.maxPixels, timeoutMs });
  const orientation = new OrientationDetector({ langPath, logger });
  const analysis = new AnalysisPool({ size: config.ocr.poolSize, timeoutMs });
  const pipeline = new OcrPipeline({ ocr: pool, analysis, rasterizer, orientation, maxPixels: config.limits.maxPixels });
  return {
    pipeline,
    pool,
    languages: readableLanguages(config.ocr.engine, install),
    async close() {
      await pipeline.close();
      await pool.close();
      await rasterizer.close();
    },
  };
}
