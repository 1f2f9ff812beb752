// What the job workflow, the webhook delivery workflow and its activity share.
// Workflow-safe: no Node built-ins, no I/O.
import type { JobRef, JobState, JobStatus } from './jobs';

/** The event a job's end is announced with, by its final status. */
export const TERMINAL_EVENT_TYPES: Partial<Record<JobStatus, string>> = {
  DONE: 'job.done',
  PARTIAL_SUCCESS: 'job.partial_success',
  ERROR: 'job.error',
  CANCELLED: 'job.cancelled',
};

/** How a delivery is retried: full-jitter exponential backoff from `baseMs`, for `hours`. */
export interface WebhookRetry {
  baseMs: number;
  hours: number;
}

/** One event to deliver to a job's callbackUrl. */
export interface WebhookEvent extends JobRef {
  url: string;
  /** The Standard Webhooks message id: the same for every attempt of this event. */
  webhookId: string;
  type: string;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  /** The job as it was then; the body shows it as GET /jobs/{id} does, without result text. */
  state: JobState;
}

export interface WebhookDeliveryInput extends WebhookEvent {
  retry: WebhookRetry;
}

export interface DeliverWebhookInput extends WebhookEvent {
  attempt: number;
}

export interface WebhookDeliveryOutcome {
  delivered: boolean;
  attempts: number;
  /** The receiver's last HTTP status, if it answered. */
  status: number | null;
  /** Why delivery stopped without success. */
  reason: string | null;
}

/** Failure types of a delivery attempt (ApplicationFailure `type`). */
export const WebhookFailure = {
  /** Worth trying again: a network error, a timeout, a 5xx, 429 or 503 (with `retryAfterSeconds` when given). */
  RETRY: 'WEBHOOK_RETRY',
  /** The receiver refused it (another 4xx, or a redirect): tried a few times more, then given up. */
  REJECTED: 'WEBHOOK_REJECTED',
  /** The URL is or resolves to an address the service may not reach: given up at once. */
  FORBIDDEN: 'WEBHOOK_FORBIDDEN',
} as const;

/** Longest wait between two attempts. */
export const WEBHOOK_BACKOFF_CAP_MS = 60 * 60_000;
/** Attempts a receiver that keeps refusing (4xx) gets. */
export const WEBHOOK_REJECTED_ATTEMPTS = 3;
