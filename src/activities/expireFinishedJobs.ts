import { Context } from '@temporalio/activity';
import { TENANT_MEMO_KEY } from '../shared/jobs';
import type { ExpireJobsInput, ExpireJobsResult } from '../shared/retention';
import { BlobNotFoundError } from '../storage/blobStore';
import { buryJob, tombstoneOf } from '../storage/tombstones';
import { durationMs } from '../temporal/time';
import type { ActivityDeps } from './deps';

/** Where the sweep remembers how far it got; the next one starts there. */
export const SWEPT_UNTIL_KEY = 'retention/swept-until.json';

/**
 * Removes the blobs of jobs of this task queue that closed (DONE, PARTIAL_SUCCESS, ERROR,
 * CANCELLED, timed out or terminated) before now minus the retention, leaving a tombstone so
 * reads answer 410. Jobs are found in Temporal's visibility store, from where the last sweep
 * stopped, so a sweep costs one listing of the jobs that expired since; a sweep broken off
 * is simply done again (removal is idempotent).
 */
export function expireFinishedJobsActivity(deps: ActivityDeps) {
  return async function expireFinishedJobs({ retentionDays }: ExpireJobsInput): Promise<ExpireJobsResult> {
    const context = Context.current();
    const { blobs } = deps;
    const until = new Date(Date.now() - retentionDays * durationMs('1 day')).toISOString();
    const from = await sweptUntil(deps);
    const filters = [
      `WorkflowType = 'ocrJobWorkflow'`,
      `TaskQueue = '${context.info.taskQueue}'`,
      `ExecutionStatus != 'Running'`,
      `CloseTime < '${until}'`,
      ...(from ? [`CloseTime >= '${from}'`] : []),
    ];
    let expired = 0;
    for await (const execution of context.client.workflow.list({ query: filters.join(' AND ') })) {
      const tenant = execution.memo?.[TENANT_MEMO_KEY];
      const job = { jobId: execution.workflowId, tenant: typeof tenant === 'string' ? tenant : undefined };
      if (await tombstoneOf(blobs, job)) continue;
      await buryJob(blobs, job, { jobId: job.jobId, expiredAt: new Date().toISOString() });
      expired += 1;
      context.heartbeat({ expired });
      context.log.info('job expired', { jobId: job.jobId, tenant: job.tenant, closedAt: execution.closeTime?.toISOString() });
    }
    await blobs.put(SWEPT_UNTIL_KEY, JSON.stringify({ sweptUntil: until }));
    return { expired, sweptUntil: until };
  };
}

async function sweptUntil({ blobs }: ActivityDeps): Promise<string | null> {
  try {
    const { sweptUntil: at } = JSON.parse((await blobs.get(SWEPT_UNTIL_KEY)).toString('utf8')) as { sweptUntil?: string };
    return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : null;
  } catch (err) {
    if (err instanceof BlobNotFoundError) return null;
    throw err;
  }
}
