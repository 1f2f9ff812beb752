import type { PlainCopy } from '../ocr/pipeline';
import type { PageRecognition, RecognizeOptions } from '../ocr/types';
import { JobErrorCode } from '../shared/errorCodes';
import type { PageAnalysis, PageGeometry, RecognizePageInput, RecognizedPage } from '../shared/steps';
import { BlobNotFoundError, jobKeys } from '../storage/blobStore';
import { readSource } from './source';
import type { ActivityDeps } from './deps';
import { permanentFailure, storage } from './failures';
import { layerPageReading } from './layerPage';
import { pageSummary, storedPage, storePageResult, type Reading, type StoredPage } from './pageResult';
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
      // A page whose layer a worker of the versions between text layers and patch
      // `text-layer-pages-in-one-step` read, and stored for this step (see preprocessPage).
      const { pdf, ...recognition } = image.textLayer
        ? await layerPageReading(deps, JSON.parse(png.toString('utf8')) as PageRecognition, image, outputs.includes('pdf'), signal)
        : await recognizeWithin(
            deps,
            { png, geometry: image.geometry, analysis: image.analysis },
            plainCopy,
            { languages, pdf: outputs.includes('pdf'), signal, onProgress: (value) => (fraction = value), page },
            page,
          );
      const stored = storedPage(image, recognition, { runId, languages, recognizeMs: Math.round(performance.now() - started) });
      return storePageResult(deps.blobs, { jobId, tenant }, runId, stored, pdf);
    });
  };
}

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
