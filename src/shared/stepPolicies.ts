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
    startToCloseTimeout: '2 minutes',
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
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 8,
      nonRetryableErrorTypes,
    },
  },
} satisfies Partial<Record<JobStep, ActivityOptions>>;
