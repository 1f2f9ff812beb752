import http from 'node:http';
import https from 'node:https';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import { AddressPolicy, ForbiddenAddressError } from '../net/addressPolicy';
import { WebhookFailure, type DeliverWebhookInput, type DeliveryAnswer, type DeliveryFailureDetails } from '../shared/webhooks';
import type { ActivityDeps } from './deps';

/** Longest one delivery attempt may take. */
const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * One attempt to deliver a job event to its callbackUrl, signed per Standard Webhooks
 * (`webhook-id` the same for every attempt of the event). A 2xx delivers and a 410 stops
 * deliveries; both return the status. Anything else fails with a WebhookFailure type for
 * the delivery workflow to decide on; no redirect is followed.
 */
export function deliverWebhookActivity(deps: ActivityDeps) {
  const policy = new AddressPolicy(deps.webhooks.allowList);
  return async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliveryAnswer> {
    const secret = await deps.webhooks.secretFor(input.tenant);
    const body = JSON.stringify(deps.webhooks.present(input));
    const sentAt = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'ocr-jobs-webhooks',
      'webhook-id': input.webhookId,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(input.webhookId, sentAt, body),
    };
    const url = new URL(input.url);
    let status: number;
    let retryAfter: string | undefined;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      policy.checkLiteral(url.hostname);
      ({ status, retryAfter } = await post(url, headers, body, policy));
    } catch (err) {
      const cause = err instanceof ForbiddenAddressError ? err : (err as { cause?: unknown }).cause;
      if (cause instanceof ForbiddenAddressError) {
        throw ApplicationFailure.create({
          message: `${cause.message} (CALLBACK_URL_ALLOWLIST can allow it)`,
          type: WebhookFailure.FORBIDDEN,
          nonRetryable: true,
          details: [{ durationMs: elapsed() } satisfies DeliveryFailureDetails],
        });
      }
      throw ApplicationFailure.create({
        message: `cannot deliver to ${url.host}: ${(err as Error).message}`,
        type: WebhookFailure.RETRY,
        details: [{ durationMs: elapsed() } satisfies DeliveryFailureDetails],
      });
    }
    const durationMs = elapsed();
    // The SDK's activity logger: the line carries the job, its request and trace (see worker/jobContext.ts).
    Context.current().log.info('webhook attempt', { webhookId: input.webhookId, type: input.type, deliveryAttempt: input.attempt, status, durationMs });
    if ((status >= 200 && status < 300) || status === 410) return { status, durationMs };
    if (status === 429 || status === 503 || status >= 500) {
      const seconds = retryAfterSeconds(retryAfter);
      throw ApplicationFailure.create({
        message: `${url.host} answered HTTP ${status}`,
        type: WebhookFailure.RETRY,
        details: [{ status, durationMs, ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }) } satisfies DeliveryFailureDetails],
      });
    }
    throw ApplicationFailure.create({
      message: `${url.host} answered HTTP ${status}`,
      type: WebhookFailure.REJECTED,
      details: [{ status, durationMs } satisfies DeliveryFailureDetails],
    });
  };
}

function post(url: URL, headers: Record<string, string>, body: string, policy: AddressPolicy): Promise<{ status: number; retryAfter?: string }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      lookup: policy.lookup,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    request.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, ...(response.headers['retry-after'] ? { retryAfter: response.headers['retry-after'] } : {}) });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** `Retry-After` as seconds (a number of seconds or an HTTP date); undefined when absent or unreadable. */
function retryAfterSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
