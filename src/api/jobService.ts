import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { detectMediaType, SUPPORTED_MEDIA_TYPES } from '../ocr/mediaType';
import {
  JOB_STATE_MEMO_KEY,
  REQUEST_FINGERPRINT_MEMO_KEY,
  initialJobState,
  type JobState,
} from '../shared/jobs';
import type { JobOptions, OcrJobInput } from '../shared/schemas';
import { jobKeys, type BlobStore } from '../storage/blobStore';
import { withDeadline } from '../temporal/connection';
import type { ocrJobWorkflow } from '../workflows';
import { jobIdForIdempotencyKey, newJobId } from './jobIds';
import { ApiError, ApiErrorCode } from './problems';

export interface SubmitRequest {
  document: Buffer;
  options: JobOptions;
  idempotencyKey?: string | undefined;
}

export interface SubmitOutcome {
  jobId: string;
  /** False when an Idempotency-Key matched a job submitted earlier. */
  created: boolean;
  createdAt: string;
}

export interface JobServiceDeps {
  client: Client;
  blobs: BlobStore;
  config: Config;
  logger: Logger;
}

/** Submits jobs: store the document, then start its workflow. */
export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  async submit({ document, options, idempotencyKey }: SubmitRequest): Promise<SubmitOutcome> {
    if (document.length === 0) throw ApiError.validation([{ field: 'file', message: 'the document is empty' }]);
    const mediaType = detectMediaType(document);
    if (mediaType === null) {
      throw new ApiError(
        415,
        ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `the document is none of the supported types (${SUPPORTED_MEDIA_TYPES.join(', ')}); its type is read from its bytes`,
      );
    }
    const sha256 = createHash('sha256').update(document).digest('hex');
    const jobId = idempotencyKey ? jobIdForIdempotencyKey(idempotencyKey) : newJobId();
    // `<document hash>.<options hash>`: what makes two submits the same request.
    const fingerprint = `${sha256}.${createHash('sha256').update(canonicalJson(options)).digest('hex')}`;
    const source = { kind: 'upload' as const, key: jobKeys.source(jobId, sha256), sha256, bytes: document.length, mediaType };
    // The document is durable before the workflow that reads it exists.
    await this.deps.blobs.put(source.key, document);

    const createdAt = new Date().toISOString();
    const input: OcrJobInput = { jobId, createdAt, source, options };
    const { client, config } = this.deps;
    try {
      await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
        client.workflow.start<typeof ocrJobWorkflow>('ocrJobWorkflow', {
          workflowId: jobId,
          taskQueue: config.temporal.taskQueue,
          args: [input],
          memo: {
            [JOB_STATE_MEMO_KEY]: initialJobState(jobId, createdAt) satisfies JobState,
            [REQUEST_FINGERPRINT_MEMO_KEY]: fingerprint,
          },
          // A job id is never reused, even after the job finished: a repeated
          // Idempotency-Key must find the same job, not start a second one.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
        }),
      );
      this.deps.logger.info({ jobId, mediaType, bytes: document.length }, 'job submitted');
      return { jobId, created: true, createdAt };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !idempotencyKey) throw err;
      return this.existingJob(jobId, fingerprint, source.key);
    }
  }

  /** A repeated Idempotency-Key: the same request gets the same job, another request a 422. */
  private async existingJob(jobId: string, fingerprint: string, sourceKey: string): Promise<SubmitOutcome> {
    const { client, config } = this.deps;
    const description = await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
      client.workflow.getHandle(jobId).describe(),
    );
    const memo = description.memo ?? {};
    const existing = String(memo[REQUEST_FINGERPRINT_MEMO_KEY] ?? '');
    if (existing !== fingerprint) {
      // A different document was stored beside the job's own; the job never reads it.
      if (existing.split('.')[0] !== fingerprint.split('.')[0]) await this.dropOrphan(sourceKey, jobId);
      throw new ApiError(
        422,
        ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
        'this Idempotency-Key was already used with a different document or options; use a new key for a new request',
      );
    }
    const state = memo[JOB_STATE_MEMO_KEY] as JobState | undefined;
    return { jobId, created: false, createdAt: state?.createdAt ?? description.startTime.toISOString() };
  }

  private async dropOrphan(key: string, jobId: string): Promise<void> {
    await this.deps.blobs.deletePrefix(key).catch((err: unknown) => {
      this.deps.logger.warn({ err, jobId, key }, 'could not remove a refused upload');
    });
  }
}

/** JSON with sorted keys, so equal options always hash alike. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
