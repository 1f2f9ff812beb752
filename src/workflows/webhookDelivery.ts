import type { WebhookDeliveryInput, WebhookDeliveryOutcome } from '../shared/webhooks';
import { deliverWithRetries } from './webhookAttempts';

/**
 * Delivers the end of a job started before jobs numbered their events (`webhook-on-job-end`):
 * that job's workflow started this one for its last event and ended without waiting for it.
 * Jobs from then on deliver all their events through `jobWebhooksWorkflow`.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryOutcome> {
  const { retry, ...event } = input;
  return deliverWithRetries(event, retry);
}
