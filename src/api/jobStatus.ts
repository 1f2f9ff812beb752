import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { ResultSummary } from '../activities/storeResult';
import type { Config } from '../config';
import { JobErrorCode } from '../shared/errorCodes';
import { JOB_STATE_MEMO_KEY, TENANT_MEMO_KEY, TRACE_ID_MEMO_KEY, isTerminalStatus, type JobError, type JobRef, type JobState } from '../shared/jobs';
import { jobStatusQuery } from '../shared/messages';
import type { NotificationsSummary } from '../shared/webhooks';
import { BlobNotFoundError, jobKeys, type BlobStore } from '../storage/blobStore';
import { tombstoneOf, type Tombstone } from '../storage/tombstones';
import { withDeadline } from '../temporal/connection';
import type { ocrJobWorkflow } from '../workflows';
import { ApiError, ApiErrorCode } from './problems';
import { liveSteps, mergeLiveSteps, NOTHING_LIVE, type LiveSteps } from './liveSteps';
import { isTemporalUnavailable } from './temporalErrors';

export interface JobSnapshot {
  state: JobState;
  /** The tenant the job belongs to; undefined for a job without one. */
  tenant: string | undefined;
  /** The trace the job is part of (the submit's); absent for jobs from before traces. */
  traceId?: string | undefined;
  /**
   * True when the state came from the running workflow itself (or the job has finished);
   * false when no worker answered and this is the last state the workflow recorded.
   */
  live: boolean;
  /** The stored result of a finished job (text and pages), null before that. */
  result: ResultSummary | null;
  /** Retries and heartbeats of the running steps, as Temporal sees them. */
  steps: LiveSteps;
  /** What became of the job's webhooks; absent when none started (or not read). */
  notifications?: NotificationsSummary | null;
}

/**
 * Who reads: a tenant sees only its own jobs, and another tenant's job is answered exactly as
 * one that does not exist (after the same round trip to Temporal). Undefined (an open API)
 * sees every job.
 */
export type Reader = string | undefined;

/** How long a finished job is served from memory before it is read again. */
const FINISHED_CACHE_TTL_MS = 10 * 60_000;

export interface JobStatusDeps {
  client: Client;
  blobs: BlobStore;
  config: Config;
  logger: Logger;
}

/**
 * Reads a job's status. Running jobs answer from the workflow's status query, falling back
 * to the memo the workflow keeps when no worker answers in time. Finished jobs answer from
 * Temporal's record of the closed workflow (no worker needed) and are cached: they never
 * change. Identical reads within STATUS_CACHE_MS share one round trip to Temporal.
 */
export class JobStatusReader {
  private readonly finished = new LRUCache<string, JobSnapshot>({
    max: 5000,
    // A job id comes back as a new job once Temporal forgets the closed workflow (a reused
    // Idempotency-Key after the retention): no other API process serves the old one for long.
    ttl: FINISHED_CACHE_TTL_MS,
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (snapshot) => 2048 + 2 * (snapshot.result?.text.length ?? 0),
  });
  private readonly recent: LRUCache<string, Promise<JobSnapshot>> | null;

  constructor(private readonly deps: JobStatusDeps) {
    const ttl = deps.config.statusCacheMs;
    this.recent = ttl > 0 ? new LRUCache({ max: 10_000, ttl }) : null;
  }

  async read(jobId: string, reader: Reader): Promise<JobSnapshot> {
    // Cached per reader: a tenant's first read of a job always goes to Temporal, own job or not.
    const cacheKey = cacheKeyOf(jobId, reader);
    const finished = this.finished.get(cacheKey);
    if (finished) {
      await this.assertNotDeleted({ jobId, tenant: finished.tenant }, reader);
      return finished;
    }
    if (!this.recent) return this.readFresh(jobId, reader);
    let pending = this.recent.get(cacheKey);
    if (!pending) {
      pending = this.readFresh(jobId, reader);
      this.recent.set(cacheKey, pending);
      pending.catch(() => this.recent?.delete(cacheKey));
    }
    return pending;
  }

  /** Drops what is cached of a job for this reader, after this process changed it (submit, cancel, delete). */
  forget(jobId: string, reader: Reader): void {
    const cacheKey = cacheKeyOf(jobId, reader);
    this.finished.delete(cacheKey);
    this.recent?.delete(cacheKey);
  }

  /**
   * Waits up to `seconds` for the job to end (a long poll on Temporal, not a loop).
   * True when it ended in time.
   */
  async waitForEnd(job: JobRef & Pick<JobSnapshot, 'traceId'>, seconds: number): Promise<boolean> {
    const { jobId, tenant, traceId } = job;
    const { client } = this.deps;
    let final: JobState | undefined;
    try {
      final = await withDeadline(client, seconds * 1000, () => client.workflow.getHandle<typeof ocrJobWorkflow>(jobId).result());
    } catch (err) {
      if (isTemporalUnavailable(err)) return false;
      if (!(err instanceof WorkflowFailedError)) throw err;
      final = err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as JobState | undefined) : undefined;
    }
    // The long poll brought the final state: the next read needs no round trip.
    if (final?.jobId === jobId && isTerminalStatus(final.status)) {
      this.finished.set(cacheKeyOf(jobId, tenant), { state: final, tenant, traceId, live: true, result: await this.readResult(job, final), steps: NOTHING_LIVE });
    }
    return true;
  }

  private async readFresh(jobId: string, reader: Reader): Promise<JobSnapshot> {
    const { client, config } = this.deps;
    // Temporal forgets closed jobs after the namespace's retention; deletions are kept longer.
    const notFound = async (): Promise<never> => {
      await this.assertNotDeleted({ jobId, tenant: reader }, reader);
      throw new ApiError(404, ApiErrorCode.JOB_NOT_FOUND, `there is no job ${jobId}`);
    };
    const description = await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
      client.workflow.getHandle(jobId).describe(),
    ).catch(async (err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return notFound();
    });
    const tenant = tenantOf(description);
    if (reader !== undefined && tenant !== reader) return notFound();
    const job = { jobId, tenant };
    const traceId = traceIdOf(description);
    if (description.status.name === 'RUNNING') return { ...(await this.readRunning(job, description)), traceId };
    await this.assertNotDeleted(job, reader);
    const state = await this.readClosed(jobId, description);
    const snapshot: JobSnapshot = { state, tenant, traceId, live: true, result: await this.readResult(job, state), steps: NOTHING_LIVE };
    this.finished.set(cacheKeyOf(jobId, reader), snapshot);
    return snapshot;
  }

  private async readRunning(job: JobRef, description: WorkflowExecutionDescription): Promise<JobSnapshot> {
    const { jobId, tenant } = job;
    const { client, config, logger } = this.deps;
    const steps = await this.liveStepsOf(description);
    try {
      const state = await withDeadline(client, config.statusQueryTimeoutMs, () =>
        client.workflow.getHandle(jobId).query(jobStatusQuery),
      );
      return { state, tenant, live: true, result: isTerminalStatus(state.status) ? await this.readResult(job, state) : null, steps };
    } catch (err) {
      if (!isTemporalUnavailable(err)) logger.warn({ err, jobId }, 'status query failed; answering from the memo');
      // The memo leaves out the page summaries; a job it says is finished has them stored.
      const state = memoState(description);
      return { state, tenant, live: false, result: isTerminalStatus(state.status) ? await this.readResult(job, state) : null, steps };
    }
  }

  /** A job read in batches runs its page steps in its running batch: their retries and heartbeats are read there. */
  private async liveStepsOf(description: WorkflowExecutionDescription): Promise<LiveSteps> {
    const { client, config, logger } = this.deps;
    const now = Date.now();
    const own = liveSteps(description, now);
    const batchId = description.raw.pendingChildren?.find((child) => child.workflowTypeName === 'ocrPagesWorkflow')?.workflowId;
    if (!batchId) return own;
    try {
      const batch = await withDeadline(client, config.temporal.rpcTimeoutMs, () => client.workflow.getHandle(batchId).describe());
      return mergeLiveSteps(own, liveSteps(batch, now));
    } catch (err) {
      if (!isTemporalUnavailable(err)) logger.warn({ err, batchId }, 'could not describe the running page batch');
      return own;
    }
  }

  private async readClosed(jobId: string, description: WorkflowExecutionDescription): Promise<JobState> {
    const { client, config } = this.deps;
    const recorded = memoState(description);
    const closedAt = (description.closeTime ?? new Date()).toISOString();
    switch (description.status.name) {
      case 'COMPLETED':
        return withDeadline(client, config.temporal.rpcTimeoutMs, () =>
          client.workflow.getHandle<typeof ocrJobWorkflow>(jobId).result(),
        );
      case 'FAILED':
        return this.failedState(jobId, recorded, closedAt);
      case 'CANCELLED':
        return { ...recorded, status: 'CANCELLED', step: null, completedAt: recorded.completedAt ?? closedAt };
      case 'TERMINATED':
        return endedAbruptly(recorded, closedAt, {
          code: JobErrorCode.JOB_TERMINATED,
          message: 'the job was terminated by an operator',
        });
      case 'TIMED_OUT':
        return endedAbruptly(recorded, closedAt, {
          code: JobErrorCode.JOB_TIMEOUT,
          message: `the job did not end by its deadline (${recorded.deadline}) and the grace after it; Temporal ended it`,
        });
      default:
        return endedAbruptly(recorded, closedAt, {
          code: JobErrorCode.INTERNAL_ERROR,
          message: `the job's workflow ended as ${description.status.name}`,
        });
    }
  }

  /** A failed workflow carries the final job state as the details of its failure. */
  private async failedState(jobId: string, recorded: JobState, closedAt: string): Promise<JobState> {
    const { client, config } = this.deps;
    try {
      await withDeadline(client, config.temporal.rpcTimeoutMs, () => client.workflow.getHandle(jobId).result());
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      if (err.cause instanceof ApplicationFailure) {
        const state = err.cause.details?.[0] as JobState | undefined;
        if (state?.error) return state;
        return endedAbruptly(recorded, closedAt, {
          code: err.cause.type ?? JobErrorCode.INTERNAL_ERROR,
          message: err.cause.message,
        });
      }
    }
    return endedAbruptly(recorded, closedAt, { code: JobErrorCode.INTERNAL_ERROR, message: 'the job failed' });
  }

  private async readResult(job: JobRef, state: JobState): Promise<ResultSummary | null> {
    if (!state.result) return null;
    try {
      return JSON.parse((await this.deps.blobs.get(jobKeys.resultSummary(job))).toString('utf8')) as ResultSummary;
    } catch (err) {
      if (err instanceof BlobNotFoundError) return null;
      throw err;
    }
  }

  private async assertNotDeleted(job: JobRef, reader: Reader): Promise<void> {
    const tombstone = await tombstoneOf(this.deps.blobs, job);
    if (tombstone) {
      this.forget(job.jobId, reader);
      throw goneError(tombstone);
    }
  }
}

/** The 410 of a job whose blobs are gone: deleted through the API, or expired. */
export function goneError(tombstone: Tombstone, detail = ''): ApiError {
  if ('expiredAt' in tombstone) {
    return new ApiError(410, ApiErrorCode.JOB_EXPIRED, `job ${tombstone.jobId} expired at ${tombstone.expiredAt}: its document and results were removed${detail}`);
  }
  return new ApiError(410, ApiErrorCode.JOB_DELETED, `job ${tombstone.jobId} was deleted${detail}`);
}

function cacheKeyOf(jobId: string, reader: Reader): string {
  return `${reader ?? ''}/${jobId}`;
}

/** The tenant a job belongs to, from its memo. */
export function tenantOf(description: Pick<WorkflowExecutionDescription, 'memo'>): string | undefined {
  return memoText(description, TENANT_MEMO_KEY);
}

/** The trace a job belongs to, from its memo. */
function traceIdOf(description: Pick<WorkflowExecutionDescription, 'memo'>): string | undefined {
  return memoText(description, TRACE_ID_MEMO_KEY);
}

function memoText(description: Pick<WorkflowExecutionDescription, 'memo'>, key: string): string | undefined {
  const value = description.memo?.[key];
  return typeof value === 'string' ? value : undefined;
}

function memoState(description: WorkflowExecutionDescription): JobState {
  const state = description.memo?.[JOB_STATE_MEMO_KEY] as JobState | undefined;
  if (!state) throw new Error(`workflow ${description.workflowId} has no job state in its memo`);
  return state;
}

/** The state of a job whose workflow ended without recording an outcome (terminated, timed out). */
export function endedAbruptly(
  recorded: JobState,
  closedAt: string,
  error: Pick<JobError, 'code' | 'message'>,
): JobState {
  return {
    ...recorded,
    status: 'ERROR',
    step: null,
    completedAt: closedAt,
    updatedAt: closedAt,
    error: { ...error, retryable: true, failedStep: recorded.step ?? 'load' },
  };
}
