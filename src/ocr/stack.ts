import type { Logger } from 'pino';
import type { Config } from '../config';
import { AnalysisPool } from './analysisPool';
import { prepareLangPath } from './languages';
import { OrientationDetector } from './orientation';
import { OcrPipeline } from './pipeline';
import { setOcrNice } from './priority';
import { Rasterizer } from './rasterizer';
import { TesseractPool } from './tesseractPool';

export interface OcrStack {
  pipeline: OcrPipeline;
  pool: TesseractPool;
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
  const pool = new TesseractPool({
    size: config.ocr.poolSize,
    recycleAfterPages: config.ocr.recycleAfterPages,
    langPath,
    logger,
  });
  const timeoutMs = config.ocr.threadTaskTimeoutMs;
  const rasterizer = new Rasterizer({ dpi: config.ocr.pdfDpi, maxPixels: config.limits.maxPixels, timeoutMs });
  const orientation = new OrientationDetector({ langPath, logger });
  const analysis = new AnalysisPool({ size: config.ocr.poolSize, timeoutMs });
  const pipeline = new OcrPipeline({ ocr: pool, analysis, rasterizer, orientation, maxPixels: config.limits.maxPixels });
  return {
    pipeline,
    pool,
    async close() {
      await pipeline.close();
      await pool.close();
      await rasterizer.close();
    },
  };
}
