import { layerReading, readsFromLayer } from '../ocr/textLayer';
import { JobErrorCode } from '../shared/errorCodes';
import type { PreprocessPageInput, PreprocessedPage } from '../shared/steps';
import { jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { layerPageReading } from './layerPage';
import { storedPage, storePageResult } from './pageResult';
import { decodeFailure } from './documentErrors';
import { storage } from './failures';
import { currentRunId } from './run';
import { readSource } from './source';
import { runStep } from './step';

/**
 * Step `preprocess`: decode one page and clean it up for recognition (orientation, skew,
 * contrast, noise, scale). The image goes to the blob store; what was done, to the result.
 */
export function preprocessPageActivity(deps: ActivityDeps) {
  return async function preprocessPage({ jobId, tenant, runId, source, mediaType, page, finish }: PreprocessPageInput): Promise<PreprocessedPage> {
    const spec = { step: 'preprocess' as const, jobId, page, unexpected: JobErrorCode.INTERNAL_ERROR, heartbeatIntervalMs: deps.heartbeatIntervalMs };
    return runStep(spec, async (signal) => {
      const started = performance.now();
      const run = currentRunId(runId);
      const imageKey = jobKeys.pageImage({ jobId, tenant }, run, page);
      const bytes = () => readSource(deps.blobs, source);
      // A born-digital page is read from its own text, and finished here: nothing to render,
      // nothing to OCR, no `recognize` step. A job from before patch `text-layer-pages-in-one-step`
      // (no `finish`) has every page prepared for OCR instead: its `recognize` step may run on a
      // worker of a version before text layers, which could not read a page's layer.
      if (mediaType === 'application/pdf' && deps.pdfText !== 'ocr' && finish) {
        const layer = await deps.pipeline.textLayer(source.sha256, bytes, page - 1, signal).catch((err: unknown) => {
          throw decodeFailure(err, `page ${page}`);
        });
        if (readsFromLayer(layer, deps.pdfText)) {
          const reading = layerReading(layer);
          const { width, height } = layer;
          const durationMs = Math.round(performance.now() - started);
          const layerPage: PreprocessedPage = {
            page,
            imageKey,
            sourceSha256: source.sha256,
            width,
            height,
            analysis: { orientation: 0, orientationBy: 'none', skew: 0, inverted: false, characterPx: null, scale: 1, timingsMs: { textLayer: durationMs } },
            geometry: { sourceWidth: width, sourceHeight: height, rotation: 0, turnedWidth: width, turnedHeight: height, width, height },
            dpi: layer.dpi,
            source,
            mediaType,
            textLayer: true,
            durationMs,
          };
          const finishing = performance.now();
          const { pdf, ...read } = await layerPageReading(deps, reading, layerPage, finish.outputs.includes('pdf'), signal);
          const stored = storedPage(layerPage, read, { runId: run, languages: finish.languages, recognizeMs: Math.round(performance.now() - finishing) });
          return { ...layerPage, recognized: await storePageResult(deps.blobs, { jobId, tenant }, run, stored, pdf) };
        }
      }
      const prepared = await deps.pipeline
        .preparePage(source.sha256, bytes, mediaType, page - 1, signal)
        .catch((err: unknown) => {
          throw decodeFailure(err, `page ${page}`);
        });
      await storage('storing the prepared page', () => deps.blobs.put(imageKey, prepared.png));
      return {
        page,
        imageKey,
        sourceSha256: source.sha256,
        width: prepared.width,
        height: prepared.height,
        analysis: prepared.analysis,
        geometry: prepared.geometry,
        dpi: prepared.dpi,
        source,
        mediaType,
        durationMs: Math.round(performance.now() - started),
      };
    });
  };
}
