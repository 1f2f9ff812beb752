import { JobErrorCode } from '../shared/errorCodes';
import type { PreprocessPageInput, PreprocessedPage } from '../shared/steps';
import { jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
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
  return async function preprocessPage({ jobId, tenant, runId, source, mediaType, page }: PreprocessPageInput): Promise<PreprocessedPage> {
    const spec = { step: 'preprocess' as const, jobId, page, unexpected: JobErrorCode.INTERNAL_ERROR, heartbeatIntervalMs: deps.heartbeatIntervalMs };
    return runStep(spec, async (signal) => {
      const started = performance.now();
      const prepared = await deps.pipeline
        .preparePage(source.sha256, () => readSource(deps.blobs, source), mediaType, page - 1, signal)
        .catch((err: unknown) => {
          throw decodeFailure(err, `page ${page}`);
        });
      const imageKey = jobKeys.pageImage({ jobId, tenant }, currentRunId(runId), page);
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
