import { JobErrorCode } from '../shared/errorCodes';
import type { UploadSource } from '../shared/schemas';
import { BlobNotFoundError, type BlobStore } from '../storage/blobStore';
import { permanentFailure, storage } from './failures';

/** The submitted document's bytes; a missing document fails the job for good, a storage error is retried. */
export function readSource(blobs: BlobStore, source: UploadSource): Promise<Buffer> {
  return storage('reading the document', async () => {
    try {
      return await blobs.get(source.key);
    } catch (err) {
      if (err instanceof BlobNotFoundError) {
        throw permanentFailure(JobErrorCode.SOURCE_MISSING, 'the submitted document is no longer stored');
      }
      throw err;
    }
  });
}
