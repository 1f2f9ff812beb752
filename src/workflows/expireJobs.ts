import { proxyActivities } from '@temporalio/workflow';
import type { OcrActivities } from '../activities';
import type { ExpireJobsInput, ExpireJobsResult } from '../shared/retention';

const { expireFinishedJobs } = proxyActivities<OcrActivities>({
  // A sweep pages through every job that expired since the last one, heartbeating as it goes.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 10 },
});

/**
 * One retention sweep, started by the retention schedule: removes the document, page files and
 * results of jobs that finished (any way) more than `retentionDays` ago. Reads of those jobs
 * answer 410 from then on.
 */
export async function expireJobsWorkflow(input: ExpireJobsInput): Promise<ExpireJobsResult> {
  return expireFinishedJobs(input);
}
