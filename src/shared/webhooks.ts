// What the job workflow, the webhook delivery workflow and its activity share.
// Workflow-safe: no Node built-ins, no I/O.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CallbackEventSet, JobEvent, JobEventType, StepRetry } from './events';
import type { HandedEvent } from './eventChanges';
import type { JobRef, JobState } from './jobs';

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
  /** The event's place among the job's events (absent for jobs that announced only their end, before events were numbered). */
  sequence?: number;
  /** `job.page.done`: the page read. */
  page?: number;
  /** `job.retrying`: the step that failed and its next attempt. */
  retry?: StepRetry;
}

/** What an attempt that reached the receiver returns (a 2xx, or 410). */
export interface DeliveryAnswer {
  status: number;
  durationMs: number;
}

/** What a failed attempt's ApplicationFailure carries as its first detail. */
export interface DeliveryFailureDetails {
  status?: number;
  retryAfterSeconds?: number;
  durationMs?: number;
}

/** One attempt to deliver an event, as `GET /jobs/{id}/deliveries` shows it. */
export interface DeliveryAttempt {
  /** When the attempt started. */
  at: string;
  /** The receiver's HTTP status; null when it did not answer. */
  statusCode: number | null;
  durationMs: number | null;
  /** Why it did not deliver; null when it did. */
  error: string | null;
}

/** One event to a job's callbackUrl and what became of it. Its `deliveryId` is its `webhook-id`. */
export interface DeliveryRecord {
  deliveryId: string;
  sequence: number;
  type: JobEventType;
  status: 'pending' | 'delivered' | 'failed';
  /** All attempts (the newest DELIVERY_ATTEMPTS_KEPT in the memo). */
  attempts: DeliveryAttempt[];
  attemptCount: number;
  /** Why delivery stopped without success. */
  reason: string | null;
}

/** The job body's `notifications`. */
export interface NotificationsSummary {
  url: string;
  events: CallbackEventSet;
  delivered: number;
  pending: number;
  failed: number;
  lastAttemptAt: string | null;
  lastError: string | null;
}

export interface JobWebhooks {
  notifications: NotificationsSummary;
  deliveries: DeliveryRecord[];
}

/** Delivers the events of one job to its callbackUrl, in sequence order. */
export interface JobWebhooksInput extends JobRef {
  url: string;
  events: CallbackEventSet;
  retry: WebhookRetry;
  /** Events to deliver first. */
  queued: JobEvent[];
  /** Whether more events follow (by `jobEventSignal`) until the job's last one. */
  expectMore: boolean;
  /** Stop waiting for the job's next event at this time (the job would have ended by then). */
  waitUntil: string;
  /** What an earlier run of this workflow delivered (a redelivery after it ended), or the newest of it (continued as new). */
  deliveries?: DeliveryRecord[];
  /** Carried over when the workflow continued as new (jobs of many events). */
  continued?: WebhooksCarried;
}

/** What a run of `jobWebhooksWorkflow` hands the next when its history grew long. */
export interface WebhooksCarried {
  /** Events not delivered yet, each after the first with its changes from the one before. */
  queue: Array<{ event: HandedEvent; redelivery: boolean }>;
  /** The state of the job's last event handed over: the job's next events carry their changes from it. */
  base: JobState | null;
  /** Deliveries of earlier runs no longer listed in `deliveries`. */
  delivered: number;
  failed: number;
  gone: boolean;
  lastAttemptAt: string | null;
  lastError: string | null;
}

/** A run of `jobWebhooksWorkflow` continues as new past this many history events (or when Temporal suggests it). */
export const WEBHOOKS_HISTORY_EVENTS = 4000;

/** The next event of the job, sent by the job's workflow. */
export const jobEventSignal = defineSignal<[JobEvent]>('jobEvent');
/** The next events of the job, in order, sent together by the job's workflow (jobs from page batches on), each after the first with its changes only. */
export const jobEventsSignal = defineSignal<[HandedEvent[]]>('jobEvents');
/** Sends one event again, with its `webhook-id`; sent by the API. */
export const redeliverSignal = defineSignal<[JobEvent]>('redeliver');
/** Every delivery of the job with all its attempts. */
export const jobWebhooksQuery = defineQuery<JobWebhooks>('jobWebhooks');

/** Memo key of the job's `JobWebhooks`, with only its newest deliveries, readable without a worker. */
export const JOB_WEBHOOKS_MEMO_KEY = 'webhooks';
/** Deliveries (newest) and attempts per delivery (newest) the memo keeps. */
export const DELIVERIES_KEPT = 20;
export const DELIVERY_ATTEMPTS_KEPT = 10;

/** The workflow that delivers a job's webhooks. */
export function jobWebhooksWorkflowId(jobId: string): string {
  return `webhooks-${jobId}`;
}

/** An event's `webhook-id`, the same for all its attempts and redeliveries. */
export function webhookIdOf(jobId: string, sequence: number): string {
  return `evt_${jobId}_${sequence}`;
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
