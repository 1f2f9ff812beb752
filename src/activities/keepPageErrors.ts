import type { KeepPageErrorsInput } from '../shared/steps';
import { jobKeys } from '../storage/blobStore';
import type { ActivityDeps } from './deps';
import { storage } from './failures';
import { currentRunId } from './run';

/**
 * Keeps the page errors of one batch of a job's pages in the blob store, where the job's
 * `store` step finds them: a job of thousands of failed pages holds only the first ones in
 * its state. Idempotent: a retry writes the same blob.
 */
export function keepPageErrorsActivity(deps: ActivityDeps) {
  return async function keepPageErrors({ jobId, tenant, runId, batch, pageErrors }: KeepPageErrorsInput): Promise<void> {
    const key = jobKeys.batchErrors({ jobId, tenant }, currentRunId(runId), batch);
    await storage('keeping the page errors', () => deps.blobs.put(key, JSON.stringify(pageErrors)));
  };
}
