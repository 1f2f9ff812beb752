import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { detectMediaType } from '../../src/ocr/mediaType';
import { TASK_QUEUE, type JobState } from '../../src/shared/jobs';
import type { JobOptions, OcrJobInput } from '../../src/shared/schemas';
import { jobKeys, type BlobStore } from '../../src/storage/blobStore';

/** Stores a document as the API would and returns the workflow input for it. */
export async function jobInputFor(
  blobs: BlobStore,
  document: Buffer,
  options: Partial<JobOptions> = {},
): Promise<OcrJobInput> {
  const jobId = randomUUID();
  const sha256 = createHash('sha256').update(document).digest('hex');
  const key = jobKeys.source({ jobId }, sha256);
  await blobs.put(key, document);
  return {
    jobId,
    createdAt: new Date().toISOString(),
    deadline: new Date(Date.now() + 3600_000).toISOString(),
    source: { kind: 'upload', key, sha256, bytes: document.length, mediaType: detectMediaType(document) ?? 'unknown' },
    options: { languages: ['eng'], outputs: ['text', 'json'], ...options },
  };
}

/** Polls until `check` passes or the timeout ends; for conditions a test cannot await directly. */
export async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The workflow IDs with this id that Temporal's visibility knows of. */
export async function workflowCount(client: Client, workflowId: string): Promise<number> {
  let count = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) count += 1;
  return count;
}

export type { JobState };
export { TASK_QUEUE };
