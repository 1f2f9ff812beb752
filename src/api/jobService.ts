import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { Logger } from 'pino';
import type { Caller } from '../auth/authenticate';
import type { Config } from '../config';
import { AddressPolicy, ForbiddenAddressError } from '../net/addressPolicy';
import { detectMediaType, SUPPORTED_MEDIA_TYPES } from '../ocr/mediaType';
import {
  JOB_STATE_MEMO_KEY,
  REQUEST_FINGERPRINT_MEMO_KEY,
  REQUEST_ID_MEMO_KEY,
  TRACE_ID_MEMO_KEY,
  TENANT_MEMO_KEY,
  initialJobState,
  isTerminalStatus,
  type JobRef,
  type JobState,
} from '../shared/jobs';
import type { DocumentSource, JobOptions, OcrJobInput } from '../shared/schemas';
import {
  JOB_STATUS_SEARCH_ATTRIBUTE,
  MEDIA_TYPE_SEARCH_ATTRIBUTE,
  REQUEST_ID_SEARCH_ATTRIBUTE,
  TENANT_SEARCH_ATTRIBUTE,
} from '../shared/searchAttributes';
import { jobKeys, type BlobStore } from '../storage/blobStore';
import { buryJob, tombstoneOf } from '../storage/tombstones';
import { withDeadline } from '../temporal/connection';
import type { ocrJobWorkflow } from '../workflows';
import { requestFingerprint, sha256 } from './fingerprint';
import { jobIdForIdempotencyKey, newJobId } from './jobIds';
import { listJobs, type JobPage, type ListRequest } from './jobListing';
import { goneError, type JobSnapshot, type JobStatusReader, type Reader } from './jobStatus';
import type { LoadGuard } from './loadGuard';
import { NOTHING_LIVE } from './liveSteps';
import type { ApiMetrics } from '../metrics/apiMetrics';
import { ApiError, ApiErrorCode } from './problems';
import type { StagedUpload } from './uploads';

export type SubmittedDocument = { kind: 'upload'; staged: StagedUpload } | { kind: 'url'; url: string };

export interface SubmitRequest {
  document: SubmittedDocument;
  options: JobOptions;
  idempotencyKey?: string | undefined;
  caller: Caller;
  /** The submit's X-Request-Id: it travels with the job (memo and OcrRequestId). */
  requestId?: string | undefined;
  /** The submit's trace, which the job's workflow and steps continue; kept in the memo. */
  traceId?: string | undefined;
  /** The upload's file name, when the client gave one (multipart). */
  fileName?: string | undefined;
}

export interface SubmitOutcome {
  jobId: string;
  /** False when an Idempotency-Key matched a job submitted earlier. */
  created: boolean;
  /** The job as it stands: the initial state of a new job, the current one of an earlier job. */
  snapshot: JobSnapshot;
}

export interface JobServiceDeps {
  client: Client;
  blobs: BlobStore;
  config: Config;
  logger: Logger;
  status: JobStatusReader;
  load: LoadGuard;
  /** Languages the workers have installed. */
  languages: readonly string[];
  /** Counts the jobs submits start. */
  metrics?: Pick<ApiMetrics, 'jobsSubmitted'>;
}

/** Longest the check of a callback URL's name may wait for DNS. */
const CALLBACK_LOOKUP_TIMEOUT_MS = 2000;

/** What the API does to jobs: submit, cancel, delete, list. Reads go through JobStatusReader. */
export class JobService {
  private readonly callbackPolicy: AddressPolicy;

  constructor(private readonly deps: JobServiceDeps) {
    this.callbackPolicy = new AddressPolicy(deps.config.callbacks.allowList);
  }

  async submit({ document, options, idempotencyKey, caller, requestId, traceId, fileName }: SubmitRequest): Promise<SubmitOutcome> {
    const missing = options.languages.filter((code) => !this.deps.languages.includes(code));
    if (missing.length) {
      throw ApiError.validation([
        { field: 'languages', message: `not installed: ${missing.join(', ')} (installed: ${this.deps.languages.join(', ')})` },
      ]);
    }
    if (options.callbackUrl !== undefined) await this.checkCallbackUrl(options.callbackUrl);
    else if (options.callbackEvents !== undefined) {
      throw ApiError.validation([{ field: 'callbackEvents', message: 'needs a callbackUrl to send the events to' }]);
    }
    const { tenant } = caller;
    const jobId = idempotencyKey ? jobIdForIdempotencyKey(idempotencyKey, tenant) : newJobId();
    const job: JobRef = { jobId, tenant };
    const { source, documentHash, staged } = this.readDocument(job, document);
    const fingerprint = requestFingerprint(documentHash, options);
    // A repeated key is answered from the job it names; nothing is written for it.
    if (idempotencyKey) {
      const earlier = await this.earlierSubmit(job, fingerprint);
      if (earlier) return earlier;
    }
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    const deadline = this.deadlineOf(options, now);
    await this.deps.load.admit(caller, deadline);
    const input: OcrJobInput = {
      jobId,
      ...(tenant === undefined ? {} : { tenant }),
      ...(options.callbackUrl === undefined ? {} : { webhookRetry: this.deps.config.webhooks.retry }),
      createdAt,
      deadline,
      source,
      options,
    };
    const callback = options.callbackUrl === undefined ? null : { url: options.callbackUrl, events: options.callbackEvents ?? 'terminal' };
    const initial = initialJobState({ jobId, createdAt, deadline, metadata: options.metadata, outputs: options.outputs, callback });
    const { client, config } = this.deps;
    // The document is durable before the workflow that reads it exists.
    if (source.kind === 'upload' && staged) await this.deps.blobs.move(staged.key, source.key);
    try {
      await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
        client.workflow.start<typeof ocrJobWorkflow>('ocrJobWorkflow', {
          workflowId: jobId,
          taskQueue: config.temporal.taskQueue,
          args: [input],
          memo: {
            [JOB_STATE_MEMO_KEY]: initial,
            [REQUEST_FINGERPRINT_MEMO_KEY]: fingerprint,
            ...(tenant === undefined ? {} : { [TENANT_MEMO_KEY]: tenant }),
            ...(requestId === undefined ? {} : { [REQUEST_ID_MEMO_KEY]: requestId }),
            ...(traceId === undefined ? {} : { [TRACE_ID_MEMO_KEY]: traceId }),
          },
          typedSearchAttributes: [
            { key: JOB_STATUS_SEARCH_ATTRIBUTE, value: 'PENDING' },
            ...(tenant === undefined ? [] : [{ key: TENANT_SEARCH_ATTRIBUTE, value: tenant }]),
            ...(requestId === undefined ? [] : [{ key: REQUEST_ID_SEARCH_ATTRIBUTE, value: requestId }]),
            ...(source.kind === 'upload' ? [{ key: MEDIA_TYPE_SEARCH_ATTRIBUTE, value: source.mediaType }] : []),
          ],
          // What the Web UI's list and the job's page say it is.
          ...workflowSummary({ source, options, fileName, tenant, deadline }),
          // A job id is never reused, even after the job finished: a repeated
          // Idempotency-Key must find the same job, not start a second one.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          // The last guard: a job that has not ended by its deadline and a grace is ended by
          // Temporal, and reads then say ERROR JOB_TIMEOUT.
          workflowExecutionTimeout: `${Math.ceil((Date.parse(deadline) - now) / 1000) + config.jobTimeout.graceSeconds} seconds`,
        }),
      );
      this.deps.logger.info({ jobId, tenant, source: source.kind }, 'job submitted');
      this.deps.metrics?.jobsSubmitted.inc({ source: source.kind });
      // A job id reused after Temporal forgot its earlier run must not be answered from that run.
      this.deps.status.forget(jobId, tenant);
      return { jobId, created: true, snapshot: { state: initial, tenant, traceId, live: true, result: null, steps: NOTHING_LIVE } };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !idempotencyKey) throw err;
      await this.checkSameRequest(jobId, fingerprint, source);
      return { jobId, created: false, snapshot: await this.deps.status.read(jobId, tenant) };
    }
  }

  /** Requests cancellation; running steps stop at their next heartbeat. */
  async cancel(jobId: string, reader: Reader): Promise<JobSnapshot> {
    const { client, config, status } = this.deps;
    const before = await status.read(jobId, reader);
    if (before.state.status === 'CANCELLED') return before;
    if (isTerminalStatus(before.state.status)) throw this.alreadyFinished(jobId, before.state);
    try {
      await withDeadline(client, config.temporal.rpcTimeoutMs, () => client.workflow.getHandle(jobId).cancel());
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // It finished between the read and the cancel: report how it ended.
      status.forget(jobId, reader);
      const after = await status.read(jobId, reader);
      if (after.state.status !== 'CANCELLED') throw this.alreadyFinished(jobId, after.state);
      return after;
    }
    status.forget(jobId, reader);
    return status.read(jobId, reader);
  }

  /** Removes a finished job's document and results; reads afterwards answer 410. */
  async delete(jobId: string, reader: Reader): Promise<void> {
    const { blobs, status } = this.deps;
    const { state, tenant } = await status.read(jobId, reader);
    const job: JobRef = { jobId, tenant };
    if (!isTerminalStatus(state.status)) {
      throw new ApiError(
        409,
        ApiErrorCode.JOB_NOT_FINISHED,
        `job ${jobId} is ${state.status}; cancel it first, then delete it`,
      );
    }
    await buryJob(blobs, job, { jobId, deletedAt: new Date().toISOString() });
    status.forget(jobId, reader);
    this.deps.logger.info({ jobId, tenant }, 'job deleted');
  }

  /** Jobs newest first; see listJobs. */
  list(request: ListRequest): Promise<JobPage> {
    return listJobs(this.deps, request);
  }

  /** The job's absolute deadline: the one asked for (not past, not beyond the maximum) or the default. */
  private deadlineOf({ deadline, timeoutSeconds }: JobOptions, now: number): string {
    const { defaultSeconds, maxSeconds } = this.deps.config.jobTimeout;
    if (deadline !== undefined && timeoutSeconds !== undefined) {
      throw ApiError.validation([{ field: 'deadline', message: 'give either deadline or timeoutSeconds, not both' }]);
    }
    const at = deadline !== undefined ? Date.parse(deadline) : now + (timeoutSeconds ?? defaultSeconds) * 1000;
    const field = deadline !== undefined ? 'deadline' : 'timeoutSeconds';
    if (at <= now) throw ApiError.validation([{ field, message: 'the deadline has already passed' }]);
    if (at > now + maxSeconds * 1000) {
      throw ApiError.validation([{ field, message: `at most ${maxSeconds} seconds from now (JOB_TIMEOUT_MAX_SECONDS)` }]);
    }
    return new Date(at).toISOString();
  }

  /** A callback may not reach private, loopback or link-local addresses (unless CALLBACK_URL_ALLOWLIST names them). */
  private async checkCallbackUrl(callbackUrl: string): Promise<void> {
    try {
      await this.callbackPolicy.checkUrl(new URL(callbackUrl), CALLBACK_LOOKUP_TIMEOUT_MS);
    } catch (err) {
      if (!(err instanceof ForbiddenAddressError)) throw err;
      throw ApiError.validation([{ field: 'callbackUrl', message: `${err.message} (CALLBACK_URL_ALLOWLIST can allow it)` }]);
    }
  }

  private alreadyFinished(jobId: string, state: JobState): ApiError {
    return new ApiError(409, ApiErrorCode.JOB_FINISHED, `job ${jobId} has already finished: it is ${state.status}`);
  }

  /** Checks an upload and names where the job will keep it; nothing is written under the job yet. */
  private readDocument(
    job: JobRef,
    document: SubmittedDocument,
  ): { source: DocumentSource; documentHash: string; staged: StagedUpload | null } {
    if (document.kind === 'url') {
      return { source: { kind: 'url', url: document.url }, documentHash: sha256(document.url), staged: null };
    }
    const { staged } = document;
    if (staged.bytes === 0) throw ApiError.validation([{ field: 'file', message: 'the document is empty' }]);
    const mediaType = detectMediaType(staged.head);
    if (mediaType === null) {
      throw new ApiError(
        415,
        ApiErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `the document is none of the supported types (${SUPPORTED_MEDIA_TYPES.join(', ')}); its type is read from its bytes`,
      );
    }
    const hash = staged.sha256;
    const source: DocumentSource = { kind: 'upload', key: jobKeys.source(job, hash), sha256: hash, bytes: staged.bytes, mediaType };
    return { source, documentHash: hash, staged };
  }

  /**
   * The job an Idempotency-Key already names: the same request gets it as it is now,
   * another request a 422, a deleted job a 410; null when there is none yet.
   */
  private async earlierSubmit(job: JobRef, fingerprint: string): Promise<SubmitOutcome | null> {
    const { client, config, blobs, status } = this.deps;
    const { jobId, tenant } = job;
    const tombstone = await tombstoneOf(blobs, job);
    if (tombstone) throw goneError(tombstone, '; this Idempotency-Key names it: use a new key');
    let existing: string;
    try {
      const description = await withDeadline(client, config.temporal.rpcTimeoutMs, () => client.workflow.getHandle(jobId).describe());
      existing = String(description.memo?.[REQUEST_FINGERPRINT_MEMO_KEY] ?? '');
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
    if (existing !== fingerprint) throw keyReused();
    return { jobId, created: false, snapshot: await status.read(jobId, tenant) };
  }

  /** A repeated Idempotency-Key: the same request gets the same job, another request a 422. */
  private async checkSameRequest(jobId: string, fingerprint: string, source: DocumentSource): Promise<void> {
    const { client, config } = this.deps;
    const description = await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
      client.workflow.getHandle(jobId).describe(),
    );
    const existing = String(description.memo?.[REQUEST_FINGERPRINT_MEMO_KEY] ?? '');
    if (existing === fingerprint) return;
    // A different upload was stored beside the job's own; the job never reads it.
    if (source.kind === 'upload' && existing.split('.')[0] !== source.sha256) {
      await this.deps.blobs.deletePrefix(source.key).catch((err: unknown) => {
        this.deps.logger.warn({ err, jobId }, 'could not remove a refused upload');
      });
    }
    throw keyReused();
  }
}

function keyReused(): ApiError {
  return new ApiError(
    422,
    ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
    'this Idempotency-Key was already used with a different document or options; use a new key for a new request',
  );
}

/**
 * The job's static summary and details in the Temporal Web UI: what was sent (file name or
 * the URL's host, media type), which pages, in which languages; the details add the rest.
 */
export function workflowSummary({
  source,
  options,
  fileName,
  tenant,
  deadline,
}: {
  source: DocumentSource;
  options: JobOptions;
  fileName: string | undefined;
  tenant: string | undefined;
  deadline: string;
}): { staticSummary: string; staticDetails: string } {
  const what = source.kind === 'url' ? new URL(source.url).host : (fileName ?? 'upload');
  const type = source.kind === 'upload' ? source.mediaType : 'fetched from a URL';
  const pages = options.pages ? `pages ${options.pages.map(({ from, to }) => (from === to ? from : `${from}-${to}`)).join(',')}` : 'all pages';
  const staticSummary = `OCR ${what} (${type}), ${pages}, ${options.languages.join('+')}`;
  const details = [
    `**Document**: ${source.kind === 'url' ? source.url : `${fileName ?? 'upload'}, ${source.bytes} bytes, ${source.mediaType}`}`,
    `**Pages**: ${pages}`,
    `**Languages**: ${options.languages.join(', ')}`,
    `**Outputs**: ${options.outputs.join(', ')}`,
    `**Deadline**: ${deadline}`,
    ...(tenant === undefined ? [] : [`**Tenant**: ${tenant}`]),
    ...(options.callbackUrl ? [`**Webhooks**: ${options.callbackEvents ?? 'terminal'} events to ${new URL(options.callbackUrl).host}`] : []),
  ];
  return { staticSummary, staticDetails: details.join('\n') };
}
