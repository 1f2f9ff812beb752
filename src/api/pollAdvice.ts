import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { isTerminalStatus, type JobState } from '../shared/jobs';
import { JOB_STATUS_SEARCH_ATTRIBUTE } from '../shared/searchAttributes';
import { withDeadline } from '../temporal/connection';
import { NOTHING_LIVE, type LiveSteps } from './liveSteps';

/** Page time assumed before any job has reported one. */
const DEFAULT_PAGE_MS = 2000;
const MAX_SECONDS = 30;
/** How long one count of queued jobs is used before it is taken again. */
const QUEUE_COUNT_TTL_MS = 1000;

/** A wait in ms as whole `Retry-After` seconds: at least 1, at most `max`. */
export const retryAfterSeconds = (ms: number, max: number) => Math.min(max, Math.max(1, Math.ceil(ms / 1000)));
const clampSeconds = (ms: number) => retryAfterSeconds(ms, MAX_SECONDS);

/**
 * Tells pollers when to come back (`Retry-After`), from what the job is doing: for a queued
 * job, the jobs queued with it; for a running one, its pages left times the time a page
 * takes (this job's own so far, else what recent jobs took).
 */
export class PollAdvice {
  private recentPageMs = DEFAULT_PAGE_MS;
  private queued = { count: 0, at: 0 };
  private counting: Promise<void> | null = null;

  constructor(private readonly deps: { client: Client; config: Config; logger: Logger }) {}

  /** What a page takes here, as recent jobs showed (a default before any did). */
  get pageMs(): number {
    return this.recentPageMs;
  }

  /** Seconds until a poll is worth making; null for a finished job. */
  retryAfterSeconds(state: JobState, steps: LiveSteps = NOTHING_LIVE): number | null {
    // Every job seen, finished ones too, teaches how long a page takes here.
    if (state.pageMs !== null) this.recentPageMs = 0.8 * this.recentPageMs + 0.2 * state.pageMs;
    if (isTerminalStatus(state.status)) return null;
    const now = Date.now();
    // A step waiting for its retry: nothing changes before the next attempt starts.
    const nextAttempt = steps.retry?.nextAttemptAt ? Date.parse(steps.retry.nextAttemptAt) - now : null;
    if (nextAttempt !== null && nextAttempt > 0) return clampSeconds(nextAttempt);
    const pageMs = state.pageMs ?? this.recentPageMs;
    const parallel = Math.max(1, this.deps.config.ocr.pageConcurrency);
    if (state.status === 'PENDING') {
      // The count of queued jobs includes this one.
      const ahead = Math.max(0, this.queuedJobs() - 1);
      return clampSeconds(((ahead + Math.max(1, state.pages.total)) * pageMs) / parallel);
    }
    const pagesLeft = Math.max(1, state.pages.total - state.pages.done);
    const working = (pagesLeft * pageMs) / Math.min(pagesLeft, parallel);
    // Time already spent on the pages under way counts against what is left.
    const spent = state.pages.done === 0 && state.startedAt ? now - Date.parse(state.startedAt) : 0;
    return clampSeconds(working - spent);
  }

  /** Jobs waiting for a worker, from Temporal visibility; refreshed in the background. */
  private queuedJobs(): number {
    if (Date.now() - this.queued.at > QUEUE_COUNT_TTL_MS && !this.counting) {
      this.counting = this.countQueued().finally(() => (this.counting = null));
    }
    return this.queued.count;
  }

  private async countQueued(): Promise<void> {
    const { client, config, logger } = this.deps;
    try {
      const { count } = await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
        client.workflow.count(`WorkflowType = 'ocrJobWorkflow' AND ${JOB_STATUS_SEARCH_ATTRIBUTE.name} = 'PENDING'`),
      );
      this.queued = { count, at: Date.now() };
    } catch (err) {
      logger.debug({ err }, 'could not count queued jobs');
      this.queued = { ...this.queued, at: Date.now() };
    }
  }
}
