// The one error the SDK throws: an API problem (RFC 9457), a job that ended ERROR, or a
// request that could not be made.
import type { JobBody } from '../api/schemas';

/** Codes of failures that are the client's own, not the API's. */
export const CLIENT_ERROR_CODES = {
  /** No answer from the server (connection refused, reset, DNS), after every retry. */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** `wait` gave up at its `timeoutMs`; the job runs on. */
  WAIT_TIMEOUT: 'WAIT_TIMEOUT',
  /** The server answered something that is not the API's (a proxy's HTML page, say). */
  UNEXPECTED_RESPONSE: 'UNEXPECTED_RESPONSE',
} as const;

export interface OcrJobsErrorFields {
  /** The problem's `code` (`JOB_NOT_FOUND`, `RATE_LIMITED`, …), the job's error code, or a client code. */
  code: string;
  /** HTTP status of the answer; null when there was none (network, a job's own error, a timeout). */
  status: number | null;
  /** What went wrong, in words. */
  detail: string;
  /** The problem's `title`, `type` and `instance`, when the API answered one. */
  title?: string;
  type?: string;
  instance?: string;
  /** Per-field validation errors of a `400`. */
  errors?: Array<{ field: string; message: string }>;
  /** For a job that ended `ERROR`: the step that failed, whether a resubmit may work, and the job. */
  failedStep?: string | null;
  retryable?: boolean;
  job?: JobBody;
  cause?: unknown;
}

export class OcrJobsError extends Error {
  readonly code: string;
  readonly status: number | null;
  readonly detail: string;
  readonly title?: string;
  readonly type?: string;
  readonly instance?: string;
  readonly errors?: Array<{ field: string; message: string }>;
  readonly failedStep?: string | null;
  readonly retryable?: boolean;
  readonly job?: JobBody;

  constructor(fields: OcrJobsErrorFields) {
    super(`${fields.code}: ${fields.detail}`, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'OcrJobsError';
    this.code = fields.code;
    this.status = fields.status;
    this.detail = fields.detail;
    this.title = fields.title;
    this.type = fields.type;
    this.instance = fields.instance;
    this.errors = fields.errors;
    this.failedStep = fields.failedStep;
    this.retryable = fields.retryable;
    this.job = fields.job;
  }

  /** The error of a job that ended `ERROR`, as `wait` rejects with it. */
  static ofJob(job: JobBody): OcrJobsError {
    const error = job.error;
    return new OcrJobsError({
      code: error?.code ?? 'JOB_FAILED',
      status: null,
      detail: error?.message ?? `job ${job.jobId} ended ${job.status}`,
      failedStep: error?.failedStep ?? null,
      retryable: error?.retryable ?? false,
      job,
    });
  }

  /** The error an answer that is not 2xx stands for: its problem details when it has them. */
  static async ofResponse(response: Response): Promise<OcrJobsError> {
    const text = await response.text().catch(() => '');
    let problem: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') problem = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: a proxy's or a load balancer's page.
    }
    const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
    if (problem && str(problem.code)) {
      return new OcrJobsError({
        code: str(problem.code)!,
        status: response.status,
        detail: str(problem.detail) ?? str(problem.title) ?? `HTTP ${response.status}`,
        title: str(problem.title),
        type: str(problem.type),
        instance: str(problem.instance),
        errors: Array.isArray(problem.errors) ? (problem.errors as Array<{ field: string; message: string }>) : undefined,
      });
    }
    return new OcrJobsError({
      code: CLIENT_ERROR_CODES.UNEXPECTED_RESPONSE,
      status: response.status,
      detail: `${response.url || 'the server'} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    });
  }
}
