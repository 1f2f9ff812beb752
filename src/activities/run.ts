import { Context } from '@temporalio/activity';

/** The id of the workflow run this activity works for: the blobs it writes belong to that run. */
export function currentRunId(): string {
  const runId = Context.current().info.workflowExecution?.runId;
  if (!runId) throw new Error('the step activities run only inside a job workflow');
  return runId;
}
