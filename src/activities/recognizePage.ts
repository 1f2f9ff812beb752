import { toSourceBlocks } from '../ocr/geometry';
import type { PageReading, PlainCopy } from '../ocr/pipeline';
import type { PageAnalysis, PageGeometry } from '../shared/steps';
import { readSource } from './source';
import type { RecognizeOptions } from '../ocr/types';
import { JobErrorCode } from '../shared/errorCodes';
import type { PreprocessedPage, RecognizePageInput, RecognizedPage } from '../shared/steps';
import { readingOrder } from '../ocr/readingOrder';
import type { PageRecognition } from '../ocr/types';
import { decodeFailure } from './documentErrors';
import { BlobNotFoundError, jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { permanentFailure, storage } from './failures';
import { pageSummary, type StoredPage } from './pageResult';
import { currentRunId } from './run';
import { runStep } from './step';

/** Step `recognize`: OCR one prepared page, heartbeating, and store its result. */
export function recognizePageActivity(deps: ActivityDeps) {
  return async function recognizePage({ jobId, tenant, runId: jobRunId, page, image, languages, outputs }: RecognizePageInput): Promise<RecognizedPage> {
    let fraction = 0;
    const spec = {
      step: 'recognize' as const,
      jobId,
      page,
      unexpected: JobErrorCode.OCR_FAILED,
      heartbeatIntervalMs: deps.heartbeatIntervalMs,
      progress: () => ({ progress: Math.round(fraction * 100) }),
    };
    return runStep(spec, async (signal) => {
      const missing = languages.filter((code) => !deps.languages.includes(code));
      if (missing.length) {
        throw permanentFailure(JobErrorCode.UNSUPPORTED_LANGUAGE, `languages not installed: ${missing.join(', ')}`);
      }
      const runId = currentRunId(jobRunId);
      const sourceSha256 = image.sourceSha256 ?? null;
      const resultKey = jobKeys.pageResult({ jobId, tenant }, runId, page);
      // An earlier attempt of this run may have stored the page and died before reporting
      // it: reuse it, but only if it is this run's reading of this document.
      const earlier = await storage('reading an earlier page result', () => readStoredPage(deps, resultKey));
      if (earlier && earlier.runId === runId && (sourceSha256 === null || earlier.sourceSha256 === sourceSha256)) {
        return { ...pageSummary(earlier), resultKey };
      }

      const png = await storage('reading the prepared page', () => deps.blobs.get(image.imageKey));
      const started = performance.now();
      const { source, mediaType } = image;
      const plainCopy =
        source && mediaType
          ? () => deps.pipeline.plainCopy(source.sha256, () => readSource(deps.blobs, source), mediaType, page - 1, signal)
          : null;
      const { pdf, ...recognition } = image.textLayer
        ? await fromTextLayer(deps, png, image, outputs.includes('pdf'), signal)
        : await recognizeWithin(
            deps,
            { png, geometry: image.geometry, analysis: image.analysis },
            plainCopy,
            { languages, pdf: outputs.includes('pdf'), signal, onProgress: (value) => (fraction = value), page },
            page,
          );
      // Boxes were found on the turned and scaled image; the client sees the page it sent.
      const { geometry } = recognition;
      const stored: StoredPage = {
        page,
        dpi: image.dpi ?? null,
        runId,
        sourceSha256,
        width: geometry?.sourceWidth ?? image.width,
        height: geometry?.sourceHeight ?? image.height,
        languages,
        source: image.textLayer ? 'text-layer' : 'ocr',
        ...(recognition.engine ? { engine: recognition.engine } : {}),
        text: recognition.text,
        confidence: recognition.confidence,
        layout: recognition.layout,
        reading: recognition.reading,
        blocks: geometry ? toSourceBlocks(recognition.blocks, geometry) : recognition.blocks,
        analysis: image.analysis,
        preprocessMs: image.durationMs,
        recognizeMs: Math.round(performance.now() - started),
      };
      if (pdf) await storage('storing the page PDF', () => deps.blobs.put(jobKeys.pagePdf({ jobId, tenant }, runId, page), Buffer.from(pdf)));
      // The page result is written last: its presence means the page is complete.
      await storage('storing the page result', () => deps.blobs.put(resultKey, JSON.stringify(stored)));
      return { ...pageSummary(stored), resultKey };
    });
  };
}

/** A page's reading; pages of older workers carry no geometry. */
type Reading = Omit<PageReading, 'geometry'> & { geometry?: PageGeometry | undefined };

/**
 * Recognises a page within the page budget: past it the engine is stopped (the pool
 * replaces it) and the page fails for good with OCR_TIMEOUT; the job goes on with the others.
 */
async function recognizeWithin(
  deps: ActivityDeps,
  prepared: { png: Buffer; geometry?: PageGeometry | undefined; analysis: PageAnalysis },
  plainCopy: (() => Promise<PlainCopy>) | null,
  options: RecognizeOptions & { signal: AbortSignal },
  page: number,
): Promise<Reading> {
  const budget = AbortSignal.timeout(deps.pageTimeoutMs);
  const signal = AbortSignal.any([options.signal, budget]);
  try {
    // Pages of older workers carry no geometry: their boxes stay on the image that was read.
    if (!prepared.geometry) {
      return { ...(await deps.pipeline.recognizePage(prepared.png, { ...options, signal })), reading: 'prepared' };
    }
    return await deps.pipeline.readPage({ ...prepared, geometry: prepared.geometry }, plainCopy, { ...options, signal });
  } catch (err) {
    if (!budget.aborted || options.signal.aborted) throw err;
    throw permanentFailure(
      JobErrorCode.OCR_TIMEOUT,
      `page ${page} was still being read after ${deps.pageTimeoutMs} ms (OCR_PAGE_TIMEOUT_MS); the engine was stopped`,
    );
  }
}

/** A page read from its text layer (in `reading`, stored by `preprocess`): its PDF page is the page itself. */
async function fromTextLayer(deps: ActivityDeps, reading: Buffer, image: PreprocessedPage, pdf: boolean, signal: AbortSignal): Promise<Reading> {
  const layer = JSON.parse(reading.toString('utf8')) as PageRecognition;
  const { source } = image;
  const pagePdf =
    pdf && source
      ? await deps.pipeline.pagePdf(source.sha256, () => readSource(deps.blobs, source), image.page - 1, signal).catch((err: unknown) => {
          throw decodeFailure(err, `page ${image.page}`);
        })
      : undefined;
  // Columns and tables are ordered as on an OCR'd page, from the word boxes.
  const { text, layout } = readingOrder(layer.blocks, layer.text);
  return { ...layer, text, layout, reading: 'prepared', geometry: image.geometry, ...(pagePdf ? { pdf: pagePdf } : {}) };
}

async function readStoredPage(deps: ActivityDeps, key: string): Promise<StoredPage | null> {
  let bytes: Buffer;
  try {
    bytes = await deps.blobs.get(key);
  } catch (err) {
    if (err instanceof BlobNotFoundError) return null;
    throw err;
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as StoredPage;
  } catch {
    // Not a whole page result (a disk that lost it): the page is read again.
    return null;
  }
}
