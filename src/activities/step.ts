import { ApplicationFailure, Context } from '@temporalio/activity';
import { temporal } from '@temporalio/proto';
import type { JobErrorCode } from '../shared/errorCodes';
import { stepRetryingSignal, type StepRetry } from '../shared/events';
import type { JobStep } from '../shared/jobs';
import { STEP_POLICIES, stepRetried } from '../shared/stepPolicies';
import { durationMs, timestampDate } from '../temporal/time';
import { transientFailure } from './failures';

export interface StepSpec {
  step: JobStep;
  jobId: string;
  page?: number | undefined;
  /** Code given to an error no part of the step classified (a bug, an unexpected failure). */
  unexpected: JobErrorCode;
  heartbeatIntervalMs: number;
  /** What each heartbeat reports besides the page (progress, bytes so far). */
  progress?: () => Record<string, unknown>;
}

/**
 * Runs the body of a step activity: it heartbeats for the whole time the step takes, from
 * start to end, waiting in a queue included, so a healthy step never times out and a dead
 * worker is noticed; the body gets the cancellation signal that heartbeats deliver. Every
 * failure is logged once with the job, step, page and attempt, and one nobody classified
 * gets the step's `unexpected` code (retryable). Cancellations pass through.
 */
export async function runStep<T>(spec: StepSpec, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const context = Context.current();
  if (context.info.attempt > 1) void warnIfStalled(context);
  const beat = () => context.heartbeat({ ...(spec.page === undefined ? {} : { page: spec.page }), ...spec.progress?.() });
  beat();
  const timer = setInterval(beat, spec.heartbeatIntervalMs);
  const started = performance.now();
  try {
    const result = await body(context.cancellationSignal);
    context.log.debug('step done', { durationMs: Math.round(performance.now() - started) });
    return result;
  } catch (err) {
    if (isCancellation(err, context.cancellationSignal)) throw err;
    const failure = err instanceof ApplicationFailure ? err : unexpectedFailure(spec.unexpected, err);
    const fields = {
      jobId: spec.jobId,
      step: spec.step,
      ...(spec.page === undefined ? {} : { page: spec.page }),
      attempt: context.info.attempt,
      code: failure.type,
      retryable: !failure.nonRetryable,
      error: failure.message,
      ...(failure.cause ? { cause: describe(failure.cause) } : {}),
    };
    if (failure.nonRetryable) context.log.warn('step failed for good', fields);
    else {
      context.log.error('step failed, will be retried if attempts remain', fields);
      await announceRetry(context, spec, failure);
    }
    throw failure;
  } finally {
    clearInterval(timer);
  }
}

/**
 * Logs a warning when the attempt before this one stalled: it sent no heartbeat within its
 * timeout (its worker died or hung), so it logged nothing itself. Temporal keeps why the
 * last attempt ended on the pending activity; one read, and only for retries.
 */
async function warnIfStalled(context: Context): Promise<void> {
  const { activityId, attempt, workflowExecution } = context.info;
  if (!workflowExecution) return;
  try {
    const { client } = context;
    const description = await client.withDeadline(Date.now() + RETRY_NOTICE_TIMEOUT_MS, () =>
      client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId).describe(),
    );
    const pending = description.raw.pendingActivities?.find((activity) => activity.activityId === activityId);
    const timeout = pending?.lastFailure?.timeoutFailureInfo;
    if (!timeout) return;
    const kind = temporal.api.enums.v1.TimeoutType[timeout.timeoutType ?? 0]?.replace('TIMEOUT_TYPE_', '').toLowerCase();
    context.log.warn('step stalled: its last attempt timed out and was taken over', {
      stalledAttempt: attempt - 1,
      timeout: kind,
      lastHeartbeatAt: timestampDate(pending?.lastHeartbeatTime)?.toISOString() ?? null,
    });
  } catch (err) {
    context.log.debug('could not read why the last attempt ended', { error: String(err) });
  }
}

/** How long a failing step may spend telling its job of the retry. */
const RETRY_NOTICE_TIMEOUT_MS = 5000;

/**
 * Tells the job that this step will be tried again, and when, so its clients hear
 * `job.retrying`. Temporal schedules the retry itself; the job would not know otherwise.
 * Best effort: the failure stands whether or not the job hears of it.
 */
async function announceRetry(context: Context, { step, jobId }: StepSpec, failure: ApplicationFailure): Promise<void> {
  const policy = STEP_POLICIES[step].retry;
  const { attempt, workflowExecution } = context.info;
  if (!workflowExecution || !stepRetried(step, attempt, failure)) return;
  const backoffMs = Math.min(durationMs(policy.initialInterval) * policy.backoffCoefficient ** (attempt - 1), durationMs(policy.maximumInterval));
  const retry: StepRetry = {
    step,
    attempt: attempt + 1,
    maxAttempts: policy.maximumAttempts,
    nextAttemptAt: new Date(Date.now() + backoffMs).toISOString(),
    lastError: { code: failure.type ?? 'INTERNAL_ERROR', message: failure.message },
  };
  try {
    const { client } = context;
    // The job's workflow, also when the step runs in a batch of its pages (a child workflow).
    const job = client.workflow.getHandle(jobId);
    await client.withDeadline(Date.now() + RETRY_NOTICE_TIMEOUT_MS, () => job.signal(stepRetryingSignal, retry));
  } catch (err) {
    context.log.warn('could not tell the job of the retry', { step, attempt, error: String(err) });
  }
}

function unexpectedFailure(code: JobErrorCode, err: unknown): ApplicationFailure {
  const error = err instanceof Error ? err : new Error(String(err));
  return transientFailure(code, error.message, error);
}

function isCancellation(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && (err.name === 'AbortError' || err.name === 'CancelledFailure'));
}

function describe(cause: Error): string {
  return cause.stack ?? `${cause.name}: ${cause.message}`;
}
