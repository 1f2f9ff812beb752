import { condition, setHandler, upsertMemo } from '@temporalio/workflow';
import { isTerminalEvent, type JobEvent } from '../shared/events';
import {
  DELIVERIES_KEPT,
  DELIVERY_ATTEMPTS_KEPT,
  JOB_WEBHOOKS_MEMO_KEY,
  jobEventSignal,
  jobWebhooksQuery,
  redeliverSignal,
  webhookIdOf,
  type DeliveryRecord,
  type JobWebhooks,
  type JobWebhooksInput,
} from '../shared/webhooks';
import { deliverWithRetries } from './webhookAttempts';

/**
 * Delivers the events of one job to its callbackUrl, one after another in sequence order:
 * an event is sent once the one before it was delivered or given up. Started by the job's
 * workflow with its first event to announce, it outlives the job (which never waits for
 * it) and ends once the job's last event is settled. A `410 Gone` stops deliveries to the
 * URL for the job. Redeliveries asked through the API join the queue with their webhook-id.
 */
export async function jobWebhooksWorkflow(input: JobWebhooksInput): Promise<void> {
  const { jobId, tenant, url, retry } = input;
  const queue: { event: JobEvent; redelivery: boolean }[] = input.queued.map((event) => ({ event, redelivery: false }));
  const records = new Map<string, DeliveryRecord>((input.deliveries ?? []).map((record) => [record.deliveryId, record]));
  let expectMore = input.expectMore && !input.queued.some((event) => isTerminalEvent(event.type));
  let gone = false;
  const earlier = [...records.values()].flatMap((record) => record.attempts).sort((a, b) => a.at.localeCompare(b.at));
  let lastAttemptAt: string | null = earlier.at(-1)?.at ?? null;
  let lastError: string | null = earlier.filter((attempt) => attempt.error).at(-1)?.error ?? null;

  setHandler(jobEventSignal, (event) => {
    queue.push({ event, redelivery: false });
    if (isTerminalEvent(event.type)) expectMore = false;
  });
  setHandler(redeliverSignal, (event) => {
    queue.push({ event, redelivery: true });
  });
  setHandler(jobWebhooksQuery, () => view([...records.values()]));

  const waitUntil = Date.parse(input.waitUntil);
  for (;;) {
    const next = queue.shift();
    if (next) {
      await deliver(next.event, next.redelivery);
      continue;
    }
    if (!expectMore) break;
    // A job that ends never leaves this waiting: its last event comes; one terminated does not.
    if (!(await condition(() => queue.length > 0 || !expectMore, Math.max(1, waitUntil - Date.now())))) break;
  }

  async function deliver(event: JobEvent, redelivery: boolean): Promise<void> {
    const deliveryId = webhookIdOf(jobId, event.sequence);
    const record: DeliveryRecord = records.get(deliveryId) ?? {
      deliveryId,
      sequence: event.sequence,
      type: event.type,
      status: 'pending',
      attempts: [],
      attemptCount: 0,
      reason: null,
    };
    records.delete(deliveryId);
    records.set(deliveryId, record);
    record.status = 'pending';
    if (gone && !redelivery) {
      record.status = 'failed';
      record.reason = 'the receiver answered 410 Gone to an earlier event of the job';
      publish();
      return;
    }
    publish();
    const { state, type, timestamp, sequence, page, retry: stepRetry } = event;
    const outcome = await deliverWithRetries(
      {
        jobId,
        tenant,
        url,
        webhookId: deliveryId,
        type,
        timestamp,
        state,
        sequence,
        ...(page === undefined ? {} : { page }),
        ...(stepRetry === undefined ? {} : { retry: stepRetry }),
      },
      retry,
      (attempt) => {
        record.attempts.push(attempt);
        record.attemptCount += 1;
        lastAttemptAt = attempt.at;
        if (attempt.error) lastError = attempt.error;
        publish();
      },
    );
    record.status = outcome.delivered ? 'delivered' : 'failed';
    record.reason = outcome.reason;
    if (outcome.status === 410) gone = true;
    publish();
  }

  function view(deliveries: DeliveryRecord[]): JobWebhooks {
    const count = (status: DeliveryRecord['status']) => [...records.values()].filter((record) => record.status === status).length;
    const waiting = queue.filter(({ event }) => !records.has(webhookIdOf(jobId, event.sequence))).length;
    return {
      notifications: {
        url,
        events: input.events,
        delivered: count('delivered'),
        pending: count('pending') + waiting,
        failed: count('failed'),
        lastAttemptAt,
        lastError,
      },
      deliveries,
    };
  }

  /** What the API reads without a worker: the summary and the newest deliveries. */
  function publish(): void {
    const newest = [...records.values()]
      .slice(-DELIVERIES_KEPT)
      .map((record) => ({ ...record, attempts: record.attempts.slice(-DELIVERY_ATTEMPTS_KEPT) }));
    upsertMemo({ [JOB_WEBHOOKS_MEMO_KEY]: view(newest) });
  }
}
