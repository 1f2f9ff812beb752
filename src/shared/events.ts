// What a job tells its clients as it runs: one vocabulary for webhooks and the event stream.
// Workflow-safe: no Node built-ins, no I/O.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { JobState, JobStatus, JobStep } from './jobs';

export const JOB_EVENT_TYPES = [
  'job.processing',
  'job.page.done',
  'job.retrying',
  'job.done',
  'job.partial_success',
  'job.error',
  'job.cancelled',
] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

/** The event a job's end is announced with, by its final status. */
export const TERMINAL_EVENT_TYPES: Partial<Record<JobStatus, JobEventType>> = {
  DONE: 'job.done',
  PARTIAL_SUCCESS: 'job.partial_success',
  ERROR: 'job.error',
  CANCELLED: 'job.cancelled',
};

export function isTerminalEvent(type: JobEventType): boolean {
  return Object.values(TERMINAL_EVENT_TYPES).includes(type);
}

/** A step attempt failed and the next one is waited for; what `job.retrying` tells. */
export interface StepRetry {
  step: JobStep;
  /** The attempt that comes next. */
  attempt: number;
  /** 0 when the step retries without limit. */
  maxAttempts: number;
  nextAttemptAt: string | null;
  lastError: { code: string; message: string } | null;
}

/**
 * One event as the workflow records it: the job's state at that moment (compact, without
 * per-page results except on the terminal event) and what is particular to the event.
 */
export interface JobEvent {
  /** Grows by one with each event of the job, from 1. */
  sequence: number;
  type: JobEventType;
  /** When it happened (ISO 8601, workflow time). */
  timestamp: string;
  state: JobState;
  /** `job.page.done`: the page that was read. */
  page?: number;
  /** `job.retrying`: the step that failed and when it runs again. */
  retry?: StepRetry;
}

export interface JobEventsPage {
  events: JobEvent[];
  /** The sequence number of the job's last event so far (0 before the first). */
  lastSequence: number;
}

/** The job's events after `after` (a sequence number), at most `limit` of them. */
export const jobEventsQuery = defineQuery<JobEventsPage, [{ after: number; limit: number }]>('jobEvents');

/** Sent by a step whose attempt failed and will be retried: the job records `job.retrying`. */
export const stepRetryingSignal = defineSignal<[StepRetry]>('stepRetrying');

/** Memo key holding `{ lastSequence }`: how far the job's events went, readable without a worker. */
export const JOB_EVENTS_MEMO_KEY = 'events';

/** The sequence number of the job's last event as its memo records it (0 before events, or for jobs from before them). */
export function recordedLastSequence(memo: Record<string, unknown> | undefined): number {
  return (memo?.[JOB_EVENTS_MEMO_KEY] as { lastSequence?: number } | undefined)?.lastSequence ?? 0;
}

/** A finished job's last event, rebuilt from its final state when no worker can replay the job's own record. */
export function lastEventOf(state: JobState, sequence: number, type: JobEventType = TERMINAL_EVENT_TYPES[state.status] ?? 'job.error'): JobEvent {
  return { sequence, type, timestamp: state.completedAt ?? state.updatedAt, state };
}

/** Which events a job's callbackUrl receives. */
export const CALLBACK_EVENT_SETS = ['terminal', 'all'] as const;
export type CallbackEventSet = (typeof CALLBACK_EVENT_SETS)[number];
