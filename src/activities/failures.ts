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
 * Runs a blob store operation: what goes wrong there is STORAGE_FAILED (worth retrying),
 * never the document's fault. Failures already classified pass through.
 */
export async function storage<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    const error = err instanceof Error ? err : new Error(String(err));
    throw transientFailure(JobErrorCode.STORAGE_FAILED, `${what}: ${error.message}`, error);
  }
}
