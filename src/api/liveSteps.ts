// What Temporal knows of a running job's steps that the workflow itself cannot: attempts
// that failed and wait for their retry, and when a running step last heartbeated. Read from
// the pending activities of `describe`, so it needs no worker.
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { JobStep } from '../shared/jobs';
import { STEP_OF_ACTIVITY, STEP_POLICIES } from '../shared/stepPolicies';
import { durationMs, timestampDate } from '../temporal/time';

const { PENDING_ACTIVITY_STATE_SCHEDULED: SCHEDULED, PENDING_ACTIVITY_STATE_STARTED: STARTED } =
  temporal.api.enums.v1.PendingActivityState;

export interface RetryView {
  step: JobStep;
  /** The attempt that comes next (2 after the first failure). */
  attempt: number;
  /** 0 when the step retries without limit. */
  maxAttempts: number;
  nextAttemptAt: string | null;
  lastError: { code: string; message: string } | null;
}

export interface LiveSteps {
  /** Set while a step waits between a failed attempt and its next one. */
  retry: RetryView | null;
  /** Last heartbeat of the running step that heartbeats, if any. */
  lastHeartbeatAt: string | null;
  /** True when a running step's last heartbeat is older than its heartbeat timeout. */
  stalled: boolean;
}

export const NOTHING_LIVE: LiveSteps = { retry: null, lastHeartbeatAt: null, stalled: false };

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

function heartbeatTimeoutMs(step: JobStep): number | null {
  const policy = STEP_POLICIES[step] as { heartbeatTimeout?: string };
  return policy.heartbeatTimeout ? durationMs(policy.heartbeatTimeout) : null;
}

/** The live view of a running job's steps, from its description, as of `now`. */
export function liveSteps(description: WorkflowExecutionDescription, now: number): LiveSteps {
  const pending = (description.raw.pendingActivities ?? []) as PendingActivity[];
  let retry: RetryView | null = null;
  let lastHeartbeat: Date | null = null;
  let stalled = false;
  for (const activity of pending) {
    const step = STEP_OF_ACTIVITY[activity.activityType?.name ?? ''];
    if (!step) continue;
    const attempt = activity.attempt ?? 1;
    if (activity.state === SCHEDULED && attempt > 1) {
      const nextAttemptAt = timestampDate(activity.nextAttemptScheduleTime)?.toISOString() ?? null;
      if (!retry || (nextAttemptAt ?? '') < (retry.nextAttemptAt ?? '')) {
        retry = {
          step,
          attempt,
          maxAttempts: activity.maximumAttempts ?? 0,
          nextAttemptAt,
          lastError: activity.lastFailure
            ? {
                code: activity.lastFailure.applicationFailureInfo?.type || timeoutCode(activity.lastFailure),
                message: activity.lastFailure.message ?? '',
              }
            : null,
        };
      }
    }
    const timeout = heartbeatTimeoutMs(step);
    if (activity.state === STARTED && timeout !== null) {
      const beat = timestampDate(activity.lastHeartbeatTime) ?? timestampDate(activity.lastStartedTime) ?? null;
      if (beat && (!lastHeartbeat || beat > lastHeartbeat)) lastHeartbeat = beat;
      if (beat && now - beat.getTime() > timeout) stalled = true;
    }
  }
  return { retry, lastHeartbeatAt: lastHeartbeat?.toISOString() ?? null, stalled };
}

function timeoutCode(failure: temporal.api.failure.v1.IFailure): string {
  return failure.timeoutFailureInfo ? 'STEP_TIMEOUT' : 'INTERNAL_ERROR';
}

/** The live view of a job whose page steps run in a batch of its own (a child workflow): both in one. */
export function mergeLiveSteps(job: LiveSteps, batch: LiveSteps): LiveSteps {
  const beats = [job.lastHeartbeatAt, batch.lastHeartbeatAt].filter((beat): beat is string => beat !== null).sort();
  return { retry: job.retry ?? batch.retry, lastHeartbeatAt: beats.at(-1) ?? null, stalled: job.stalled || batch.stalled };
}
