// Timeouts and retry policy of every step, in one place. The README's retry table is
// written from this file; change both together.
import type { ActivityOptions } from '@temporalio/common';
import { NON_RETRYABLE_JOB_ERRORS } from './errorCodes';
import type { JobStep } from './jobs';

const nonRetryableErrorTypes = [...NON_RETRYABLE_JOB_ERRORS];

/** Activity options per step. Durations are Temporal duration strings. */
export const STEP_POLICIES = {
  fetch: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '20 seconds',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 5,
      nonRetryableErrorTypes,
    },
  },
  load: {
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 5,
      nonRetryableErrorTypes,
    },
  },
  preprocess: {
    // Generous: a page may wait its turn for the decoder and analysis threads (heartbeating
    // all the while); each thread task has its own limit (THREAD_TASK_TIMEOUT_MS).
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '20 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 5,
      nonRetryableErrorTypes,
    },
  },
  recognize: {
    startToCloseTimeout: '10 minutes',
    // A worker that dies mid-page stops heartbeating; the page moves to another
    // worker this long after the last heartbeat instead of after the whole timeout.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 4,
      nonRetryableErrorTypes,
    },
  },
  store: {
    // For a job of more than a few pages, see storePolicy.
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 8,
      nonRetryableErrorTypes,
    },
  },
} satisfies Partial<Record<JobStep, ActivityOptions>>;

/** The step each activity runs, by the activity's name; other activities (webhooks, clean-up) are not steps. */
export const STEP_OF_ACTIVITY: Readonly<Record<string, JobStep>> = {
  fetchSource: 'fetch',
  loadDocument: 'load',
  preprocessPage: 'preprocess',
  recognizePage: 'recognize',
  storeResult: 'store',
};

/** Whether Temporal tries a step again after `attempt` failed with this failure (its retry policy decides). */
export function stepRetried(step: JobStep, attempt: number, failure: { type?: string | null | undefined; nonRetryable?: boolean | null | undefined }): boolean {
  const { maximumAttempts, nonRetryableErrorTypes: never } = STEP_POLICIES[step].retry;
  return !failure.nonRetryable && attempt < maximumAttempts && !(never as readonly string[]).includes(failure.type ?? '');
}

/** Seconds the store step is given per page on top of its base timeout. */
const STORE_SECONDS_PER_PAGE = 2;

/** The store step's options for a job of `pages` pages: its time grows with the pages it joins. */
export function storePolicy(pages: number): ActivityOptions {
  return { ...STEP_POLICIES.store, startToCloseTimeout: `${120 + STORE_SECONDS_PER_PAGE * pages} seconds` };
}

/** Removing a failed or cancelled job's working files: short, and given up after a few tries. */
export const CLEANUP_POLICY = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
} satisfies ActivityOptions;
