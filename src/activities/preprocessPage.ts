import { preparePage } from '../ocr/preprocess';
import { JobErrorCode } from '../shared/errorCodes';
import type { PreprocessPageInput, PreprocessedPage } from '../shared/steps';
import { jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { permanentFailure, withErrorCode } from './failures';
import { readSource } from './source';

/** Step `preprocess`: decode one page and clean it up for recognition; the image goes to the blob store. */
export function preprocessPageActivity(deps: ActivityDeps) {
  return async function preprocessPage({ jobId, source, page }: PreprocessPageInput): Promise<PreprocessedPage> {
    return withErrorCode(JobErrorCode.STORAGE_FAILED, async () => {
      const bytes = await readSource(deps.blobs, source);
      const prepared = await preparePage(bytes, { pageIndex: page - 1, maxPixels: deps.limits.maxPixels }).catch(
        (err: Error) => {
          // Decoding is deterministic: bytes that fail once fail every time.
          throw /pixel limit/i.test(err.message)
            ? permanentFailure(JobErrorCode.IMAGE_TOO_LARGE, `page ${page} is larger than the pixel limit`)
            : permanentFailure(JobErrorCode.CORRUPT_DOCUMENT, `page ${page} cannot be decoded: ${err.message}`);
        },
      );
      const imageKey = jobKeys.pageImage(jobId, page);
      await deps.blobs.put(imageKey, prepared.png);
      return { page, imageKey, width: prepared.width, height: prepared.height };
    });
  };
}
