import { ApplicationFailure, Context } from '@temporalio/activity';
import type { JobErrorCode } from '../shared/errorCodes';
import type { JobStep } from '../shared/jobs';
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
  const beat = () => context.heartbeat({ ...(spec.page === undefined ? {} : { page: spec.page }), ...spec.progress?.() });
  beat();
  const timer = setInterval(beat, spec.heartbeatIntervalMs);
  try {
    return await body(context.cancellationSignal);
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
    else context.log.error('step failed, will be retried if attempts remain', fields);
    throw failure;
  } finally {
    clearInterval(timer);
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
