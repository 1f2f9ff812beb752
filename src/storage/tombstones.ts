import type { JobRef } from '../shared/jobs';
import { BlobNotFoundError, jobKeys, type BlobStore } from './blobStore';

/** What is kept of a job whose blobs were removed: deleted through the API, or expired. */
export type Tombstone = { jobId: string; deletedAt: string } | { jobId: string; expiredAt: string };

/** The job's tombstone, or null while its blobs are kept. */
export async function tombstoneOf(blobs: BlobStore, job: JobRef): Promise<Tombstone | null> {
  try {
    return JSON.parse((await blobs.get(jobKeys.tombstone(job))).toString('utf8')) as Tombstone;
  } catch (err) {
    if (err instanceof BlobNotFoundError) return null;
    throw err;
  }
}

/**
 * Removes everything of a job but its tombstone. The tombstone goes first, so no reader
 * serves what is being removed, and a removal broken off is finished by the next.
 */
export async function buryJob(blobs: BlobStore, job: JobRef, tombstone: Tombstone): Promise<void> {
  await blobs.put(jobKeys.tombstone(job), JSON.stringify(tombstone));
  await blobs.deletePrefix(jobKeys.root(job));
}
