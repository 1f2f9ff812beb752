// What became of a job's webhooks, and sending one again: read from and sent to the
// job's webhook workflow (`webhooks-{jobId}`).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import { isTerminalEvent, jobEventsQuery, lastEventOf, type JobEvent } from '../shared/events';
import { isTerminalStatus, type JobState } from '../shared/jobs';
import {
  JOB_WEBHOOKS_MEMO_KEY,
  jobWebhooksQuery,
  jobWebhooksWorkflowId,
  redeliverSignal,
  type DeliveryRecord,
  type JobWebhooks,
  type NotificationsSummary,
} from '../shared/webhooks';
import { withDeadline } from '../temporal/connection';
import type { jobWebhooksWorkflow } from '../workflows';
import type { JobSnapshot } from './jobStatus';
import { ApiError, ApiErrorCode } from './problems';

/** How long a job's notifications summary is served from memory. */
const SUMMARY_CACHE_MS = 1000;

export interface WebhooksDeps {
  client: Client;
  config: Config;
}

export class JobWebhooksReader {
  private readonly summaries = new LRUCache<string, Promise<NotificationsSummary | null>>({ max: 10_000, ttl: SUMMARY_CACHE_MS });

  constructor(private readonly deps: WebhooksDeps) {}

  /** The job body's `notifications`; null while none was started (nothing was due yet). */
  async summary(jobId: string): Promise<NotificationsSummary | null> {
    let pending = this.summaries.get(jobId);
    if (!pending) {
      pending = this.recorded(jobId).then((webhooks) => webhooks?.notifications ?? null);
      this.summaries.set(jobId, pending);
      pending.catch(() => this.summaries.delete(jobId));
    }
    return pending;
  }

  /** Every delivery with its attempts: from the workflow when a worker answers, else its memo (the newest). */
  async deliveries(jobId: string): Promise<JobWebhooks | null> {
    const { client, config } = this.deps;
    // Whoever reads the deliveries reads the job's summary afresh after.
    this.summaries.delete(jobId);
    try {
      return await withDeadline(client, config.statusQueryTimeoutMs, () =>
        client.workflow.getHandle(jobWebhooksWorkflowId(jobId)).query(jobWebhooksQuery),
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      return this.recorded(jobId);
    }
  }

  /**
   * Sends one event of the job again with its webhook-id: to the running webhook workflow,
   * or by starting it again (with what it had delivered) once it has ended.
   */
  async redeliver(snapshot: JobSnapshot, deliveryId: string): Promise<void> {
    const { client, config } = this.deps;
    const { state, tenant } = snapshot;
    const callback = state.callback;
    const known = await this.deliveries(state.jobId);
    const record = known?.deliveries.find((delivery) => delivery.deliveryId === deliveryId);
    if (!callback || !known || !record) {
      throw new ApiError(404, ApiErrorCode.DELIVERY_NOT_FOUND, `job ${state.jobId} has no delivery ${deliveryId}`);
    }
    const event = await this.eventOf(state, record);
    await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
      client.workflow.signalWithStart<typeof jobWebhooksWorkflow, [JobEvent]>('jobWebhooksWorkflow', {
        workflowId: jobWebhooksWorkflowId(state.jobId),
        taskQueue: config.temporal.taskQueue,
        signal: redeliverSignal,
        signalArgs: [event],
        args: [{
          jobId: state.jobId,
          tenant,
          url: callback.url,
          events: callback.events,
          retry: config.webhooks.retry,
          queued: [],
          expectMore: false,
          waitUntil: new Date().toISOString(),
          deliveries: known.deliveries,
        }],
      }),
    );
    this.summaries.delete(state.jobId);
  }

  /** The delivery's event, as the job recorded it; its last from the final state when no worker answers. */
  private async eventOf(state: JobState, { sequence, type }: DeliveryRecord): Promise<JobEvent> {
    const { client, config } = this.deps;
    try {
      const page = await withDeadline(client, config.statusQueryTimeoutMs, () =>
        client.workflow.getHandle(state.jobId).query(jobEventsQuery, { after: sequence - 1, limit: 1 }),
      );
      const event = page.events[0];
      if (event?.sequence === sequence) return event;
    } catch {
      // No worker answered in time: a job's last event can still be rebuilt from its final state.
    }
    if (!isTerminalEvent(type) || !isTerminalStatus(state.status)) {
      throw new ApiError(503, ApiErrorCode.TEMPORAL_UNAVAILABLE, 'no worker answered with the event; try again');
    }
    return lastEventOf(state, sequence, type);
  }

  private async recorded(jobId: string): Promise<JobWebhooks | null> {
    const { client, config } = this.deps;
    try {
      const description = await withDeadline(client, config.temporal.rpcTimeoutMs, () =>
        client.workflow.getHandle(jobWebhooksWorkflowId(jobId)).describe(),
      );
      return (description.memo?.[JOB_WEBHOOKS_MEMO_KEY] as JobWebhooks | undefined) ?? null;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }
}
