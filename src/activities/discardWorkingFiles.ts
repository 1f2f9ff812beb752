import type { DiscardWorkingFilesInput } from '../shared/steps';
import { jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { currentRunId } from './run';

/**
 * After a job ends ERROR or CANCELLED: removes what its run worked on (page images, page
 * results, page PDFs). The document stays, and so does a partial result already stored.
 */
export function discardWorkingFilesActivity(deps: ActivityDeps) {
  return async function discardWorkingFiles({ jobId, tenant }: DiscardWorkingFilesInput): Promise<void> {
    await deps.blobs.deletePrefix(jobKeys.run({ jobId, tenant }, currentRunId()));
  };
}
