import { Context } from '@temporalio/activity';

/**
 * The id of the job's workflow run this activity works for: the blobs it writes belong to
 * that run. A batch of a job's pages (a child workflow) names its job's run in `given`.
 */
export function currentRunId(given?: string): string {
  if (given) return given;
  const runId = Context.current().info.workflowExecution?.runId;
  if (!runId) throw new Error('the step activities run only inside a job workflow');
  return runId;
}
