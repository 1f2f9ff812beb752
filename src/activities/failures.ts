import { ApplicationFailure } from '@temporalio/activity';
import { JobErrorCode } from '../shared/errorCodes';

/** A failure retrying cannot fix: Temporal will not retry it, the job ends ERROR with `code`. */
export function permanentFailure(code: JobErrorCode, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, nonRetryable: true });
}

/** A failure worth retrying with backoff; `code` is reported if every attempt fails. */
export function transientFailure(code: JobErrorCode, message: string, cause?: Error): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, nonRetryable: false, cause });
}

/**
 * Runs a step and gives every unexpected error a stable code, so a job error never carries
 * a bare JavaScript class name. Our own ApplicationFailures and cancellations pass through.
 */
export async function withErrorCode<T>(code: JobErrorCode, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApplicationFailure || isAbort(err)) throw err;
    const error = err instanceof Error ? err : new Error(String(err));
    throw transientFailure(code, error.message, error);
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'CancelledFailure');
}
