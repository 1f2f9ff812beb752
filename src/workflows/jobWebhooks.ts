import { condition, continueAsNew, patched, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { expandEvents, squeezeEvents } from '../shared/eventChanges';
import { isTerminalEvent, type JobEvent } from '../shared/events';
import type { JobState } from '../shared/jobs';
import {
  DELIVERIES_KEPT,
  DELIVERY_ATTEMPTS_KEPT,
  JOB_WEBHOOKS_MEMO_KEY,
  jobEventSignal,
  jobEventsSignal,
  jobWebhooksQuery,
  redeliverSignal,
  WEBHOOKS_HISTORY_EVENTS,
  webhookIdOf,
  type DeliveryRecord,
  type JobWebhooks,
  type JobWebhooksInput,
} from '../shared/webhooks';
import { deliverWithRetries } from './webhookAttempts';

/** Runs from this patch on continue as new once their history grows long; earlier ones went on in one history. */
const CONTINUE_AS_NEW_PATCH = 'webhooks-continue-as-new';

/**
 * Delivers the events of one job to its callbackUrl, one after another in sequence order:
 * an event is sent once the one before it was delivered or given up. Started by the job's
 * workflow with its first event to announce, it outlives the job (which never waits for
 * it) and ends once the job's last event is settled. A `410 Gone` stops deliveries to the
 * URL for the job. Redeliveries asked through the API join the queue with their webhook-id.
 */
export async function jobWebhooksWorkflow(input: JobWebhooksInput): Promise<void> {
  const { jobId, tenant, url, retry } = input;
  const { continued } = input;
  const carried = continued ? expandEvents(continued.queue.map(({ event }) => event), null) : [];
  const queue: { event: JobEvent; redelivery: boolean }[] = [
    ...carried.map((event, i) => ({ event, redelivery: continued!.queue[i]!.redelivery })),
    ...input.queued.map((event) => ({ event, redelivery: false })),
  ];
  const records = new Map<string, DeliveryRecord>((input.deliveries ?? []).map((record) => [record.deliveryId, record]));
  let expectMore = input.expectMore && !queue.some(({ event }) => isTerminalEvent(event.type));
  let gone = continued?.gone ?? false;
  const earlier = [...records.values()].flatMap((record) => record.attempts).sort((a, b) => a.at.localeCompare(b.at));
  let lastAttemptAt: string | null = continued ? continued.lastAttemptAt : (earlier.at(-1)?.at ?? null);
  let lastError: string | null = continued ? continued.lastError : (earlier.filter((attempt) => attempt.error).at(-1)?.error ?? null);
  /** The state of the job's last event handed over, which the job's next events carry their changes from. */
  let base: JobState | null = continued ? continued.base : (input.queued.at(-1)?.state ?? null);
  /** Deliveries of earlier runs no longer among `records`. */
  const dropped = { delivered: continued?.delivered ?? 0, failed: continued?.failed ?? 0 };

  const received = (event: JobEvent) => {
    queue.push({ event, redelivery: false });
    if (isTerminalEvent(event.type)) expectMore = false;
  };
  setHandler(jobEventSignal, received);
  setHandler(jobEventsSignal, (handed) => {
    const events = expandEvents(handed, base);
    base = events.at(-1)?.state ?? base;
    events.forEach(received);
  });
  setHandler(redeliverSignal, (event) => {
    queue.push({ event, redelivery: true });
  });
  setHandler(jobWebhooksQuery, () => view([...records.values()]));

  const waitUntil = Date.parse(input.waitUntil);
  for (;;) {
    // A job of thousands of events: its deliveries go on in a new run, with a history of its own.
    const long = workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > WEBHOOKS_HISTORY_EVENTS;
    // Asked only once long: a run that grew long under earlier code replays as it ran.
    if (queue.length && long && patched(CONTINUE_AS_NEW_PATCH)) {
      await continueAsNew<typeof jobWebhooksWorkflow>(carryOver());
    }
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

  /** The input of the next run: what is still to deliver, the newest deliveries, and the counts of the others. */
  function carryOver(): JobWebhooksInput {
    const all = [...records.values()];
    const kept = all.slice(-DELIVERIES_KEPT);
    const gave = all.slice(0, -DELIVERIES_KEPT);
    const squeezed = squeezeEvents(queue.map(({ event }) => event), null);
    return {
      ...input,
      queued: [],
      expectMore,
      deliveries: kept.map((record) => ({ ...record, attempts: record.attempts.slice(-DELIVERY_ATTEMPTS_KEPT) })),
      continued: {
        queue: squeezed.map((event, i) => ({ event, redelivery: queue[i]!.redelivery })),
        base,
        delivered: dropped.delivered + gave.filter((record) => record.status === 'delivered').length,
        failed: dropped.failed + gave.filter((record) => record.status === 'failed').length,
        gone,
        lastAttemptAt,
        lastError,
      },
    };
  }

  function view(deliveries: DeliveryRecord[]): JobWebhooks {
    const count = (status: DeliveryRecord['status']) =>
      [...records.values()].filter((record) => record.status === status).length + (status === 'pending' ? 0 : dropped[status]);
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
