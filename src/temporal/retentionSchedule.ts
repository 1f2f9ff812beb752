import { Client, ScheduleAlreadyRunning, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Logger } from 'pino';
import { RETENTION_SWEEP_EVERY, retentionScheduleId, type ExpireJobsInput } from '../shared/retention';
import type { expireJobsWorkflow } from '../workflows/expireJobs';

interface RetentionSettings {
  taskQueue: string;
  retentionDays: number;
}

/**
 * Makes sure the schedule that expires finished jobs exists and sweeps with this worker's
 * RETENTION_DAYS: created when missing, brought up to date when it sweeps with another
 * value. Every worker of a task queue does this at start; the last one started wins.
 */
export async function ensureRetentionSchedule(client: Client, { taskQueue, retentionDays }: RetentionSettings, logger: Logger): Promise<void> {
  const scheduleId = retentionScheduleId(taskQueue);
  const input: ExpireJobsInput = { retentionDays };
  const action: ScheduleOptionsStartWorkflowAction<typeof expireJobsWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'expireJobsWorkflow',
    workflowId: scheduleId,
    taskQueue,
    args: [input],
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: RETENTION_SWEEP_EVERY }] },
      action,
      // A sweep still running makes the next one pointless; after an outage, one sweep catches up.
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
      memo: { purpose: 'removes the blobs of jobs finished more than RETENTION_DAYS ago' },
    });
    logger.info({ scheduleId, retentionDays }, 'created the retention schedule');
    return;
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const { action: current } = await handle.describe();
  const days = current.type === 'startWorkflow' ? (current.args?.[0] as ExpireJobsInput | undefined)?.retentionDays : undefined;
  if (days === retentionDays) return;
  await handle.update((previous) => ({ ...previous, action }));
  logger.info({ scheduleId, retentionDays, was: days }, 'updated the retention schedule');
}
