import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Caller } from '../auth/authenticate';
import type { Config } from '../config';
import { JOB_STATE_MEMO_KEY, type JobState } from '../shared/jobs';
import { TENANT_SEARCH_ATTRIBUTE } from '../shared/searchAttributes';
import { withDeadline } from '../temporal/connection';
import { retryAfterSeconds, type PollAdvice } from './pollAdvice';
import { ApiError, ApiErrorCode } from './problems';

/** How long one look at the backlog is used before it is taken again. */
const BACKLOG_TTL_MS = 1000;
/** Running jobs whose pages are read to estimate the backlog. */
const BACKLOG_SAMPLE = 500;
const RUNNING_JOBS = `WorkflowType = 'ocrJobWorkflow' AND ExecutionStatus = 'Running'`;

/** Longest `Retry-After` of a refused submit. */
const MAX_RETRY_AFTER_SECONDS = 60;
const clampSeconds = (ms: number) => retryAfterSeconds(ms, MAX_RETRY_AFTER_SECONDS);

/**
 * Refuses work the service cannot take: a tenant's jobs past its cap of unfinished jobs
 * (429 TOO_MANY_ACTIVE_JOBS), and any job while the pages waiting for a worker pass
 * MAX_BACKLOG_PAGES or would keep it waiting past its deadline (503 OVERLOADED).
 */
export class LoadGuard {
  private backlog = { pages: 0, at: 0 };
  private looking: Promise<number> | null = null;

  constructor(private readonly deps: { client: Client; config: Config; logger: Logger; advice: PollAdvice }) {}

  /** @throws ApiError 429 TOO_MANY_ACTIVE_JOBS or 503 OVERLOADED */
  async admit(caller: Caller, deadline: string): Promise<void> {
    if (caller.tenant !== undefined) await this.checkActiveJobs(caller, caller.tenant);
    await this.checkBacklog(deadline);
  }

  private async checkActiveJobs(caller: Caller, tenant: string): Promise<void> {
    const { client, config, advice } = this.deps;
    const query = `${RUNNING_JOBS} AND ${TENANT_SEARCH_ATTRIBUTE.name} = '${tenant}'`;
    const { count } = await withDeadline(client, config.temporal.rpcTimeoutMs, () => client.workflow.count(query));
    if (count < caller.maxActiveJobs) return;
    throw new ApiError(
      429,
      ApiErrorCode.TOO_MANY_ACTIVE_JOBS,
      `tenant ${tenant} has ${count} unfinished jobs, its limit; submit again when one has finished`,
      { headers: { 'Retry-After': String(clampSeconds(advice.pageMs)) } },
    );
  }

  private async checkBacklog(deadline: string): Promise<void> {
    const { config, advice } = this.deps;
    const pages = await this.pagesWaiting();
    const parallel = Math.max(1, config.ocr.pageConcurrency);
    const waitMs = (pages * advice.pageMs) / parallel;
    const limit = config.load.maxBacklogPages;
    let reason: string | null = null;
    if (pages >= limit) reason = `${pages} pages are waiting for a worker (MAX_BACKLOG_PAGES is ${limit})`;
    else if (Date.now() + waitMs > Date.parse(deadline)) {
      reason = `the ${pages} pages waiting for a worker would take about ${Math.ceil(waitMs / 1000)} s, past the job's deadline (${deadline})`;
    }
    if (reason === null) return;
    const drainMs = (Math.max(1, pages - limit + 1) * advice.pageMs) / parallel;
    throw new ApiError(503, ApiErrorCode.OVERLOADED, `the service is overloaded: ${reason}; no job was started`, {
      headers: { 'Retry-After': String(clampSeconds(drainMs)) },
    });
  }

  /**
   * Pages of this task queue's running jobs not read yet (a job whose pages are not counted
   * yet counts as one). The jobs are counted; their pages are read from the memos of at most
   * BACKLOG_SAMPLE of them and scaled to all, so a long queue costs two calls, not a list of it.
   */
  private async pagesWaiting(): Promise<number> {
    if (Date.now() - this.backlog.at <= BACKLOG_TTL_MS) return this.backlog.pages;
    this.looking ??= this.lookAtBacklog().finally(() => (this.looking = null));
    return this.looking;
  }

  private async lookAtBacklog(): Promise<number> {
    const { client, config } = this.deps;
    // The workers of this task queue are the ones the new job would wait for.
    const query = `${RUNNING_JOBS} AND TaskQueue = '${config.temporal.taskQueue.replace(/'/g, "\\'")}'`;
    const pages = await withDeadline(client, config.temporal.rpcTimeoutMs, async () => {
      const { count } = await client.workflow.count(query);
      if (count === 0) return 0;
      let sampled = 0;
      let sum = 0;
      for await (const execution of client.workflow.list({ query, pageSize: BACKLOG_SAMPLE })) {
        const state = execution.memo?.[JOB_STATE_MEMO_KEY] as JobState | undefined;
        const { total = 0, done = 0, failed = 0 } = state?.pages ?? {};
        sum += total === 0 ? 1 : Math.max(0, total - done - failed);
        if (++sampled >= BACKLOG_SAMPLE) break;
      }
      return sampled === 0 ? count : Math.round((sum * Math.max(count, sampled)) / sampled);
    });
    this.backlog = { pages, at: Date.now() };
    return pages;
  }
}
