import { ActivityFailure, ApplicationFailure, proxyActivities, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { OcrActivities } from '../activities';
import {
  WEBHOOK_BACKOFF_CAP_MS,
  WEBHOOK_REJECTED_ATTEMPTS,
  WebhookFailure,
  type DeliverWebhookInput,
  type DeliveryAttempt,
  type DeliveryFailureDetails,
  type WebhookDeliveryOutcome,
  type WebhookRetry,
} from '../shared/webhooks';

// One attempt per activity call: the waits between attempts are the workflow's own.
// An attempt takes at most 10 s; a worker that died during one is noticed soon after.
const { deliverWebhook } = proxyActivities<OcrActivities>({ startToCloseTimeout: '15 seconds', retry: { maximumAttempts: 1 } });

/**
 * Delivers one event, retrying with full jitter (each wait a random part of `baseMs`
 * doubled per attempt, at most an hour) for `retry.hours`; `Retry-After` of a 429 or 503 is
 * honoured; a 410 stops; a receiver that keeps refusing (4xx) gets WEBHOOK_REJECTED_ATTEMPTS
 * attempts. `onAttempt` hears of each attempt as it ends.
 */
export async function deliverWithRetries(
  event: Omit<DeliverWebhookInput, 'attempt'>,
  retry: WebhookRetry,
  onAttempt: (attempt: DeliveryAttempt) => void = () => undefined,
): Promise<WebhookDeliveryOutcome> {
  const giveUpAt = Date.now() + retry.hours * 3_600_000;
  let refusals = 0;
  for (let attempt = 1; ; attempt++) {
    let waitMs: number;
    const at = new Date().toISOString();
    try {
      const { status, durationMs } = await deliverWebhook({ ...event, attempt });
      const gone = status === 410;
      onAttempt({ at, statusCode: status, durationMs: durationMs ?? null, error: gone ? 'the receiver answered 410 Gone' : null });
      if (gone) return { delivered: false, attempts: attempt, status, reason: 'the receiver answered 410 Gone' };
      return { delivered: true, attempts: attempt, status, reason: null };
    } catch (err) {
      const failure = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : null;
      const details = (failure?.details?.[0] ?? {}) as DeliveryFailureDetails;
      const status = details.status ?? null;
      onAttempt({ at, statusCode: status, durationMs: details.durationMs ?? null, error: attemptError(err, failure) });
      if (failure?.type === WebhookFailure.FORBIDDEN) return { delivered: false, attempts: attempt, status, reason: failure.message };
      if (failure?.type === WebhookFailure.REJECTED && ++refusals >= WEBHOOK_REJECTED_ATTEMPTS) {
        return { delivered: false, attempts: attempt, status, reason: failure.message };
      }
      waitMs =
        details.retryAfterSeconds !== undefined
          ? details.retryAfterSeconds * 1000
          : Math.random() * Math.min(WEBHOOK_BACKOFF_CAP_MS, retry.baseMs * 2 ** (attempt - 1));
      if (Date.now() + waitMs > giveUpAt) {
        return { delivered: false, attempts: attempt, status, reason: `given up after ${retry.hours} h: ${failure?.message ?? String(err)}` };
      }
    }
    await sleep(Math.max(1, Math.round(waitMs)));
  }
}

function attemptError(err: unknown, failure: ApplicationFailure | null): string {
  if (failure) return failure.message;
  if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) return 'the attempt did not end in time (the worker may have stopped)';
  return err instanceof Error ? err.message : String(err);
}
