import { Context } from '@temporalio/activity';
import { RasterError } from '../ocr/rasterizer';
import { JobErrorCode } from '../shared/errorCodes';
import type { PreprocessPageInput, PreprocessedPage } from '../shared/steps';
import { jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { permanentFailure, withErrorCode } from './failures';
import { currentRunId } from './run';
import { readSource } from './source';

/**
 * Step `preprocess`: decode one page and clean it up for recognition (orientation, skew,
 * contrast, noise, scale). The image goes to the blob store; what was done, to the result.
 */
export function preprocessPageActivity(deps: ActivityDeps) {
  return async function preprocessPage({ jobId, source, mediaType, page }: PreprocessPageInput): Promise<PreprocessedPage> {
    const context = Context.current();
    return withErrorCode(JobErrorCode.STORAGE_FAILED, async () => {
      context.heartbeat({ page });
      const started = performance.now();
      const prepared = await deps.pipeline
        .preparePage(source.sha256, () => readSource(deps.blobs, source), mediaType, page - 1)
        .catch((err: Error) => {
          if (err instanceof RasterError && !err.corrupt) throw err;
          if ((err as { type?: string }).type === JobErrorCode.SOURCE_MISSING) throw err;
          // Decoding is deterministic: bytes that fail once fail every time.
          throw /pixel limit/i.test(err.message)
            ? permanentFailure(JobErrorCode.IMAGE_TOO_LARGE, `page ${page} is larger than the pixel limit`)
            : permanentFailure(JobErrorCode.CORRUPT_DOCUMENT, `page ${page} cannot be decoded: ${err.message}`);
        });
      const imageKey = jobKeys.pageImage(jobId, currentRunId(), page);
      await deps.blobs.put(imageKey, prepared.png);
      return {
        page,
        imageKey,
        sourceSha256: source.sha256,
        width: prepared.width,
        height: prepared.height,
        analysis: prepared.analysis,
        durationMs: Math.round(performance.now() - started),
      };
    });
  };
}
