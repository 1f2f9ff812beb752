// What the job workflow tells the worker's metrics. Sinks leave the workflow without a
// command, are not called again on replay, and cannot change the job.
import type { Sinks } from '@temporalio/workflow';

export interface JobMetricsSinks extends Sinks {
  jobMetrics: {
    /** The job ended: its status, error code (ERROR only), time from submit to end and queue wait, in ms. */
    jobFinished(finished: { status: string; code: string | null; durationMs: number; queueWaitMs: number | null }): void;
    /** A page was read (`done`) or failed for good (`failed`). */
    pageFinished(outcome: 'done' | 'failed'): void;
  };
}
