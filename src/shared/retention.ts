// What the retention schedule, its workflow and its activity share. Workflow-safe.

/** Input of one retention sweep. */
export interface ExpireJobsInput {
  /** Days a finished job's blobs are kept (RETENTION_DAYS of the worker that set up the schedule). */
  retentionDays: number;
}

export interface ExpireJobsResult {
  /** Jobs whose blobs were removed by this sweep. */
  expired: number;
  /** Jobs closed before this instant are expired; the next sweep starts here. */
  sweptUntil: string;
}

/** The schedule that runs the sweep, one per task queue: `ocr-jobs-retention` by default. */
export const retentionScheduleId = (taskQueue: string) => `${taskQueue}-retention`;

/** How often the schedule sweeps. */
export const RETENTION_SWEEP_EVERY = '1 hour';
