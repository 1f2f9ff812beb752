import { createHash, randomUUID } from 'node:crypto';

/** Job ids are UUIDs; Idempotency-Key jobs get a name-based one (RFC 9562 version 8). */
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newJobId(): string {
  return randomUUID();
}

/**
 * The same key always names the same job, so duplicates meet at one workflow ID; keys are
 * scoped by tenant (tenant ids hold no `:`), so two tenants' same key names two jobs. Jobs
 * without a tenant keep the ids they always had.
 */
export function jobIdForIdempotencyKey(key: string, tenant: string | undefined): string {
  const scope = tenant === undefined ? 'ocr-jobs:idempotency-key:' : `ocr-jobs:tenant:${tenant}:idempotency-key:`;
  const hex = createHash('sha256').update(scope).update(key).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
